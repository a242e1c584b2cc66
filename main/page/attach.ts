import type { Terminal } from '../core/terminal.js';
import { PageMode, type PageModeDeps } from './page-mode.js';

/** Page mode beside the terminal: it hears the invitations' events, and the view and keypad consult it. */
export function attachPageMode(terminal: Terminal, deps: Omit<PageModeDeps, 'terminal'>): { page: PageMode; detach: () => void } {
  const core = terminal.pageMode;
  const page = new PageMode({
    ...deps,
    terminal: {
      openInvitation: () => core.openInvitation(),
      ratedElsewhere: (id, r) => core.ratedElsewhere(id, r),
      statusUnknown: (id) => core.statusUnknown(id),
      refreshView: () => terminal.refreshView(),
    },
  });
  const off = terminal.onEvent((e) => page.onEvent(e));
  core.attach({ view: () => page.view(), keypadMayRate: (id) => page.keypadMayRate(id), countdownEnds: (id) => page.countdownEnds(id) });
  return {
    page,
    detach: () => {
      off();
      page.close();
    },
  };
}
