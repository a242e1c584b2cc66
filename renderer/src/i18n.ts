import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

type Translation = { language: { name: string } } & Record<string, unknown>;

/**
 * Every locale file under ./locales is a language the screen offers: adding one is adding its file (docs/languages.md).
 * Simplified Chinese first and the default; the rest in the order of their tags.
 */
const files = import.meta.glob<Translation>('./locales/*.json', { eager: true, import: 'default' });
const resources = Object.fromEntries(Object.entries(files).map(([path, translation]) => [path.replace(/^.*\/(.+)\.json$/, '$1'), { translation }]));
export const DEFAULT_LANGUAGE = 'zh-CN';
export const LANGUAGES: { tag: string; name: string }[] = Object.entries(resources)
  .map(([tag, r]) => ({ tag, name: r.translation.language.name }))
  .sort((a, b) => Number(b.tag === DEFAULT_LANGUAGE) - Number(a.tag === DEFAULT_LANGUAGE) || a.tag.localeCompare(b.tag));

export const i18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources,
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
