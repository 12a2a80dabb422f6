import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { applyTheme, readTheme } from './lib/theme';

// Before the first paint: the remembered theme, with no inline script and no flash.
applyTheme(readTheme());

const target = document.getElementById('app');
if (!target) {
  throw new Error('Parley: the #app element is missing from index.html.');
}

const app = mount(App, { target });

export default app;
