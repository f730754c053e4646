import { useEffect, useState } from 'preact/hooks';
import { type MessageKey, t } from '../i18n';
import {
  type InventoryItem,
  itemsByPlace,
  type PrivacyStatement,
  parseStatement,
} from '../privacy/inventory';
import { PageShell } from '../ui/page-shell';
import { MyData } from './my-data';

/**
 * The data inventory (/api/privacy) for people: who is responsible, then every item the server
 * keeps, grouped by where it lives, with what, why, legal basis and how long. Signed-in people can
 * download or delete their account's data below it.
 */
export function PrivacyPage() {
  const [statement, setStatement] = useState<PrivacyStatement | null | 'failed'>(null);
  useEffect(() => {
    let live = true;
    fetch('/api/privacy', { headers: { accept: 'application/json' } })
      .then((response) =>
        response.ok ? response.json() : Promise.reject(new Error(String(response.status))),
      )
      .then((body: unknown) => live && setStatement(parseStatement(body) ?? 'failed'))
      .catch(() => live && setStatement('failed'));
    return () => {
      live = false;
    };
  }, []);
  return (
    <PageShell title={t('privacy.title')}>
      <h1 class="page-title">{t('privacy.title')}</h1>
      <p class="lead">{t('privacy.intro')}</p>
      {statement === null && <p role="status">{t('app.loading')}</p>}
      {statement === 'failed' && <p>{t('privacy.unavailable')}</p>}
      {statement !== null && statement !== 'failed' && <Statement statement={statement} />}
      <MyData />
      <p>
        <a href="/api/privacy">{t('privacy.json')}</a>
      </p>
    </PageShell>
  );
}

function Statement({ statement }: { statement: PrivacyStatement }) {
  const { name, contact } = statement.controller;
  return (
    <>
      <section class="card" aria-labelledby="controller-title" data-testid="privacy-controller">
        <h2 id="controller-title">{t('privacy.controller.title')}</h2>
        {name === null && contact === null ? (
          <p>{t('privacy.controller.unset')}</p>
        ) : (
          <dl class="inventory">
            {name !== null && <Row label={t('privacy.controller.name')} value={name} />}
            {contact !== null && <Row label={t('privacy.controller.contact')} value={contact} />}
          </dl>
        )}
        <p>{t('privacy.thirdParties')}</p>
        <p>{t('privacy.rights')}</p>
      </section>
      <h2>{t('privacy.inventoryTitle')}</h2>
      {itemsByPlace(statement.items).map(([place, items]) => (
        <section key={place} aria-labelledby={`place-${place}`}>
          <h3 id={`place-${place}`}>{t(`privacy.place.${place}` as MessageKey)}</h3>
          <div class="inventory">
            {items.map((item) => (
              <Item key={item.id} item={item} />
            ))}
          </div>
        </section>
      ))}
    </>
  );
}

function Item({ item }: { item: InventoryItem }) {
  return (
    <article class="card inventory__entry" data-testid="inventory-item" data-id={item.id}>
      <h4>{item.name}</h4>
      <dl>
        <Row label={t('privacy.field.data')} value={item.data} />
        <Row label={t('privacy.field.purpose')} value={item.purpose} />
        <Row label={t('privacy.field.legalBasis')} value={item.legalBasis} />
        <Row label={t('privacy.field.retention')} value={item.retention} />
        {item.column !== undefined && <Row label={t('privacy.field.column')} value={item.column} />}
        {item.files !== undefined && item.files.length > 0 && (
          <Row label={t('privacy.field.files')} value={item.files.join(', ')} />
        )}
      </dl>
    </article>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div class="inventory__row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
