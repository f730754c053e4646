/**
 * A setting in the environment that cannot be used; `parley` prints its message and exits. In a file
 * of its own so that config.ts and each sign-in provider's config (oidc/, ldap/) can throw it without
 * importing one another.
 */
export class ConfigError extends Error {}
