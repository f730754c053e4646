/**
 * Message formatting for the catalogues. A message is either one string or plural forms chosen by
 * `Intl.PluralRules` from the `count` parameter. Placeholders look like `{name}`; whole sentences
 * live in the catalogue so a translation can reorder them freely.
 */

export type PluralForms = { readonly one?: string; readonly other: string } & {
  readonly [form in Intl.LDMLPluralRule]?: string;
};
export type Message = string | PluralForms;
export type Params = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /\{(\w+)\}/g;

export function formatMessage(locale: string, message: Message, params: Params = {}): string {
  const template = typeof message === 'string' ? message : pickPluralForm(locale, message, params.count);
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

function pickPluralForm(locale: string, forms: PluralForms, count: string | number | undefined): string {
  if (typeof count !== 'number') return forms.other;
  const rule = new Intl.PluralRules(locale).select(count);
  return forms[rule] ?? forms.other;
}
