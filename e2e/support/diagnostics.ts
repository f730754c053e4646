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
      console.error(`--- page ${page.url()}\n${text.slice(0, 1500)}`);
    }
    console.error(`--- server output (end)\n${server()?.output().slice(-4000) ?? '(no server)'}`);
  });
}
