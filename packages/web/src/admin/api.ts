import { type AccountRole, type AdminAccount, AdminAccountList, InstanceSettings } from '@parley/protocol';
import { call } from '../account/api';

/** The administrators' API behind /admin (shapes in @parley/protocol admin.ts). */

export async function listAccounts(): Promise<AdminAccount[]> {
  return AdminAccountList.parse(await call('GET', '/api/admin/users')).users;
}

export async function addAccount(username: string, password: string, role: AccountRole): Promise<void> {
  await call('POST', '/api/admin/users', { username, password, role });
}

export async function changeRole(username: string, role: AccountRole): Promise<void> {
  await call('PATCH', `/api/admin/users/${encodeURIComponent(username)}`, { role });
}

export async function deleteAccount(username: string): Promise<void> {
  await call('DELETE', `/api/admin/users/${encodeURIComponent(username)}`);
}

export async function fetchSettings(): Promise<InstanceSettings> {
  return InstanceSettings.parse(await call('GET', '/api/admin/settings'));
}

export async function saveSettings(settings: InstanceSettings): Promise<InstanceSettings> {
  return InstanceSettings.parse(await call('PUT', '/api/admin/settings', settings));
}
