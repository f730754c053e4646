import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'admin-e2e', password: 'admin password 12345' });

/** The account's row in the table on /admin. */
function row(page: Page, username: string) {
  return page.locator(`[data-testid="admin-user"][data-name="${username}"]`);
}

describe('the admin page (/admin)', () => {
  it('lets an administrator add an account, change its role and delete it; that person signs in meanwhile', async () => {
    const admin = await suite.people.open();
    await suite.people.signIn(admin, suite.host.username, suite.host.password);
    // Reached from the home page by a link, with the keyboard as well as the mouse.
    await admin.getByRole('link', { name: 'Administration' }).focus();
    await admin.keyboard.press('Enter');
    await admin.waitForURL('**/admin');
    await row(admin, suite.host.username).waitFor();

    await admin.getByTestId('admin-add-username').fill('Casey');
    await admin.getByTestId('admin-add-password').fill('casey password 123');
    await admin.getByTestId('admin-add-submit').click();
    const casey = row(admin, 'casey');
    await casey.waitFor();
    expect(await casey.getAttribute('data-role')).toBe('user');
    expect(await casey.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Casey signs in from a browser of their own and sees no link to /admin; /admin answers 403.
    const other = await suite.people.open();
    await suite.people.signIn(other, 'casey', 'casey password 123');
    expect(await other.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    const refused = await other.goto('/admin');
    expect(refused?.status()).toBe(403);
    await other.getByTestId('admin-forbidden').waitFor();
    const api = await other.evaluate(async () => (await fetch('/api/admin/users')).status);
    expect(api).toBe(403);

    // Made an administrator: Casey's open session may use the admin API at once.
    await casey.getByTestId('admin-role').selectOption('admin');
    await admin.waitForSelector('[data-testid="admin-user"][data-name="casey"][data-role="admin"]');
    expect(await other.evaluate(async () => (await fetch('/api/admin/users')).status)).toBe(200);

    // Deleting asks first (keyboard: the question's answer takes the focus); then the row goes and
    // Casey's session ends.
    await casey.getByTestId('admin-delete').focus();
    await admin.keyboard.press('Enter');
    await casey.getByTestId('admin-delete-confirm').waitFor();
    await expect
      .poll(() => admin.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('admin-delete-confirm');
    await admin.keyboard.press('Enter');
    await casey.waitFor({ state: 'detached' });
    await expect.poll(() => admin.getByTestId('admin-message').textContent()).toContain('casey');
    expect(await other.evaluate(async () => (await fetch('/api/admin/users')).status)).toBe(401);
    // One's own account has no delete button here.
    expect(await row(admin, suite.host.username).getByTestId('admin-delete').count()).toBe(0);
  });

  it('sends a visitor who is not signed in to the sign-in page, and back to /admin after it', async () => {
    const visitor = await suite.people.open();
    await visitor.goto('/admin');
    await visitor.waitForURL('**/login?next=%2Fadmin');
    await visitor.getByTestId('login-username').fill(suite.host.username);
    await visitor.getByTestId('login-password').fill(suite.host.password);
    await visitor.getByTestId('login-submit').click();
    await visitor.waitForURL('**/admin');
    await row(visitor, suite.host.username).waitFor();
  });

  it.each(['en', 'de'])('fits a phone screen: nothing wider than the viewport (%s)', async (language) => {
    const admin = await suite.people.open();
    await admin.context().addInitScript((code) => localStorage.setItem('parley.language', code), language);
    await admin.setViewportSize({ width: 360, height: 740 });
    await suite.people.signIn(admin, suite.host.username, suite.host.password);
    await admin.goto('/admin');
    await row(admin, suite.host.username).waitFor();
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The accounts table itself fits too: no sideways scrolling inside it either.
    const tableOverflow = await admin
      .locator('.admin-table-scroll')
      .evaluate((element) => element.scrollWidth - element.clientWidth);
    expect(tableOverflow).toBeLessThanOrEqual(0);
    await admin.getByTestId('admin-add-username').waitFor();
  });
});
