import { ApiFailure } from '../account/api';
import { t } from '../i18n';

/** A readable message for a failed request: ours for known refusals, else the server's own words. */
export function messageOf(failure: unknown): string {
  if (!(failure instanceof ApiFailure)) return t('error.unexpected');
  switch (failure.code) {
    case 'unreachable':
      return t('error.unreachable');
    case 'username-taken':
      return t('admin.error.taken');
    case 'last-admin':
      return t('admin.error.lastAdmin');
    case 'own-account':
      return t('admin.error.ownAccount');
    case 'not-admin':
      return t('admin.forbidden');
    case 'not-signed-in':
      return t('admin.signInFirst');
    case 'too-many-changes':
      return t('admin.error.tooMany');
    default:
      return failure.message || t('error.unexpected');
  }
}
