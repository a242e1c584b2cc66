import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { UiContext } from './context.js';
import './i18n.js';
import { createUiStore } from './store.js';
import { createTransport } from './transport.js';
import { preloadWhenIdle } from './lazy.js';
import './styles.css';

const store = createUiStore(createTransport());
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <UiContext.Provider value={store}>
        <App />
      </UiContext.Provider>
    </StrictMode>,
  );
}
preloadWhenIdle();
