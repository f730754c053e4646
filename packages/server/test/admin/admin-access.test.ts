import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, startMeetingServer } from '../signaling/meeting-fixture.js';

/**
 * The whole server (createParley): the /admin page answers by role, and the meeting-starter setting
 * an administrator saves decides, at the next join, whether an account may open a meeting.
 */
let m: MeetingServer;
let adminCookie: string;
let userCookie: string;

beforeAll(async () => {
  m = await startMeetingServer();
  const admin = await m.server.accounts.createUser('root', 'a password of length', 'admin');
  adminCookie = `parley_session=${await m.server.accounts.createSession(admin.id)}`;
  userCookie = await m.signIn();
});
afterAll(async () => {
  await m.close();
});

function get(path: string, cookie?: string) {
  return fetch(`${m.server.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

function putSettings(meetingStarters: string, cookie = adminCookie) {
  const origin = m.server.url;
  return fetch(`${origin}/api/admin/settings`, {
    method: 'PUT',
    headers: { cookie, origin, 'content-type': 'application/json' },
    body: JSON.stringify({ meetingStarters }),
  });
}

describe('the /admin page', () => {
  it('sends visitors to sign in, answers 403 to other accounts, and serves the app to administrators', async () => {
    const guest = await get('/admin');
    expect(guest.status).toBe(303);
    expect(guest.headers.get('location')).toBe('/login?next=%2Fadmin');
    const user = await get('/admin', userCookie);
    expect(user.status).toBe(403);
    const admin = await get('/admin', adminCookie);
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('<title>Parley</title>');
    expect(admin.headers.get('cache-control')).toBe('no-cache');
  });
});

describe('who may start meetings', () => {
  it('applies the administrators’ choice at the next join: a user then waits for a host', async () => {
    expect((await putSettings('admins', userCookie)).status).toBe(403);
    expect((await putSettings('admins')).status).toBe(200);

    const name = m.room();
    const user = await m.connect({ cookie: userCookie });
    expect(await user.join(name, 'Uma')).toMatchObject({ result: { status: 'waiting-for-host' } });
    expect(m.server.meetings.registry.find(name)?.isLive ?? false).toBe(false);

    // An administrator opens it; the waiting account holder comes in with them.
    const admin = await m.host(name, 'Ada', adminCookie);
    expect(admin.id).toBeTruthy();
    await user.waitForEvent('joined');

    // Back to every account: the next join of a user opens a meeting at once.
    expect((await putSettings('everyone')).status).toBe(200);
    const other = m.room();
    const opener = await m.connect({ cookie: userCookie });
    expect(await opener.join(other, 'Uma')).toMatchObject({ result: { status: 'joined' } });
  });
});
