import type { Page } from 'playwright-core';
import { afterEach } from 'vitest';
import type { RunningServer } from './server.js';

/**
 * When a test fails, print what each open page shows and the end of the server's output, so a
 * failure in CI can be understood from its log alone.
 */
export function explainFailures(pages: () => Page[], server: () => RunningServer | undefined): void {
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const page of pages()) {
      if (page.isClosed()) continue;
      const text = await page
        .evaluate(() => document.body.textContent)
        .catch((error: Error) => `(unreadable: ${error.message})`);
      // Where the tiles are and whether they can be seen: a "not visible" wait is explained by this.
      const tiles = await page
        .evaluate(() =>
          Array.from(document.querySelectorAll<HTMLElement>('[data-testid="tile"]')).map((tile) => {
            const box = tile.getBoundingClientRect();
            const style = getComputedStyle(tile);
            return `${tile.dataset.name}: ${Math.round(box.width)}×${Math.round(box.height)} at ${Math.round(box.x)},${Math.round(box.y)} display=${style.display} visibility=${style.visibility}`;
          }),
        )
        .catch(() => []);
      console.error(`--- page ${page.url()}\n${text.slice(0, 1500)}\ntiles: ${tiles.join('; ') || 'none'}`);
    }
    console.error(`--- server output (end)\n${server()?.output().slice(-4000) ?? '(no server)'}`);
  });
}
