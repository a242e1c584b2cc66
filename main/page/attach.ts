import type { Terminal } from '../core/terminal.js';
import { PageMode, type PageModeDeps } from './page-mode.js';

/** Page mode beside the terminal: it hears the invitations' events, and the view and keypad consult it. */
export function attachPageMode(terminal: Terminal, deps: Omit<PageModeDeps, 'terminal'>): { page: PageMode; detach: () => void } {
  const page = new PageMode({ ...deps, terminal });
  const off = terminal.onEvent((e) => page.onEvent(e));
  terminal.attachSurface({ view: () => page.view(), keypadMayRate: (id) => page.keypadMayRate(id) });
  return {
    page,
    detach: () => {
      off();
      page.close();
    },
  };
}
