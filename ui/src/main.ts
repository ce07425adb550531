import '@fontsource/noto-sans-sc/400.css';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { keepCaretOnFocus } from './lib/caret';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
keepCaretOnFocus(document);
export default mount(App, { target });
