import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { type InventoryEntry, inventoryEntries } from '../privacy/inventory';
import { PageShell } from '../ui/page-shell';

/**
 * The data inventory (/api/privacy) in readable form. The server owns its shape; this page shows
 * every text field of every entry it finds, so it keeps working as the inventory grows.
 */
export function PrivacyPage() {
  const [entries, setEntries] = useState<InventoryEntry[] | null | 'failed'>(null);
  useEffect(() => {
    let live = true;
    fetch('/api/privacy', { headers: { accept: 'application/json' } })
      .then((response) =>
        response.ok ? response.json() : Promise.reject(new Error(String(response.status))),
      )
      .then((body: unknown) => live && setEntries(inventoryEntries(body)))
      .catch(() => live && setEntries('failed'));
    return () => {
      live = false;
    };
  }, []);
  return (
    <PageShell title={t('privacy.title')}>
      <h1 class="page-title">{t('privacy.title')}</h1>
      <p class="lead">{t('privacy.intro')}</p>
      <h2>{t('privacy.inventoryTitle')}</h2>
      {entries === null && <p role="status">{t('app.loading')}</p>}
      {(entries === 'failed' || (Array.isArray(entries) && entries.length === 0)) && (
        <p>{t('privacy.unavailable')}</p>
      )}
      {Array.isArray(entries) && (
        <div class="inventory">
          {entries.map((entry, index) => {
            const [titleKey, title] = Object.entries(entry)[0] ?? ['', ''];
            return (
              <section class="card inventory__entry" key={index}>
                <h3>{title}</h3>
                <dl>
                  {Object.entries(entry)
                    .filter(([key]) => key !== titleKey)
                    .map(([key, value]) => (
                      <div key={key} class="inventory__row">
                        <dt>{humanize(key)}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                </dl>
              </section>
            );
          })}
        </div>
      )}
      <p>
        <a href="/api/privacy">{t('privacy.json')}</a>
      </p>
    </PageShell>
  );
}

/** `legalBasis` → "Legal basis": field names of the inventory shown as labels. */
function humanize(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
