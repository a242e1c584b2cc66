/** The locale key of a provisioning field's label ("terminal.windowCode" → technician.fields.terminal_windowCode). */
export const fieldLabelKey = (path: string) => `technician.fields.${path.replace(/\./g, '_')}`;
