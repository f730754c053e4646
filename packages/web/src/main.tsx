// First: configures zod before the protocol's schemas are created.
import './zod-setup';
import { render } from 'preact';
import { App } from './app';
import { initLanguage } from './i18n';
import './styles.css';

initLanguage();
const root = document.getElementById('app');
if (root) render(<App />, root);
