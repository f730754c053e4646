import type { Browser, Page } from 'playwright-core';
import { newPerson } from './browser.js';
import type { RunningServer } from './server.js';

/** Ways into a meeting, as a person clicks through them. */
export class People {
  /** Every page opened, for failure reports. */
  readonly pages: Page[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly server: RunningServer,
  ) {}

  /** A new person with their own browser profile. */
  async open(): Promise<Page> {
    const { page } = await newPerson(this.browser, this.server.url);
    this.pages.push(page);
    return page;
  }

  async signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto('/login');
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('logout').waitFor();
  }
}

/** Opens the room's pre-join screen (or an invitation link), types the name and clicks join. */
export async function enter(
  page: Page,
  path: string,
  name: string,
  options: { camera?: boolean } = {},
): Promise<void> {
  await page.goto(path.startsWith('/') || path.startsWith('http') ? path : `/room/${path}`);
  await page.getByTestId('display-name').fill(name);
  if (options.camera === false) {
    const camera = page.getByTestId('toggle-camera');
    if ((await camera.getAttribute('data-state')) === 'on') await camera.click();
  }
  await page.getByTestId('join').click();
}

export function tile(name: string): string {
  return `[data-testid="tile"][data-name="${name}"]`;
}

/** Opens a side panel by its toggle unless it is open already. */
export async function openPanel(
  page: Page,
  toggle: 'participants-toggle' | 'security-toggle' | 'chat-toggle',
) {
  const button = page.getByTestId(toggle);
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
}
