import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldVisible, PROVISIONING_FIELDS, type FieldSpec, type ProvisioningDraft, type TechnicianSetup } from '../../../main/bridge/technician.js';
import { useUi } from '../context.js';
import { OnScreenKeyboard } from '../keyboard/LazyKeyboard.js';
import { fieldLabelKey } from './labels.js';
import { UsbFiles } from './UsbFiles.js';

const CHECK_AFTER_MS = 250;

/**
 * Every field of the provisioning file, checked by the terminal with the CLI's own schema as it is typed; errors
 * stand in words next to their field. "Save and apply" stores it and restarts the terminal with it.
 */
export function Provisioning({ setup }: { setup: TechnicianSetup }) {
  const { t } = useTranslation();
  const request = useUi((s) => s.request);
  const [draft, setDraft] = useState<ProvisioningDraft>(() => ({ ...setup.form }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [focused, setFocused] = useState<FieldSpec | null>(null);
  const [saving, setSaving] = useState(false);
  const checked = useRef(0);

  useEffect(() => {
    const round = ++checked.current;
    const timer = setTimeout(() => {
      void request({ type: 'provisioningCheck', draft }).then((r) => {
        // Only the answer to the newest draft counts.
        if (round === checked.current) setErrors(r.ok ? {} : (r.fields ?? { '(file)': r.message }));
      });
    }, CHECK_AFTER_MS);
    return () => clearTimeout(timer);
  }, [draft, request]);

  const set = (path: string, value: string) => setDraft((d) => ({ ...d, [path]: value }));
  const apply = async () => {
    setSaving(true);
    const r = await request({ type: 'provisioningApply', draft });
    setSaving(false);
    if (!r.ok) setErrors(r.fields ?? { '(file)': r.message });
  };
  const c = setup.connection;
  return (
    <section className={focused ? 'tech-page with-keyboard' : 'tech-page'} aria-label={t('technician.tab.provisioning')}>
      <form className="tech-form" onSubmit={(e) => e.preventDefault()}>
        {PROVISIONING_FIELDS.filter((f) => fieldVisible(f, draft)).map((f) => (
          <Field
            key={f.path}
            spec={f}
            value={draft[f.path] ?? ''}
            error={errors[f.path]}
            isSet={setup.secretsSet.includes(f.path)}
            onChange={set}
            onFocus={setFocused}
          />
        ))}
        {errors['(file)'] && <p className="field-error">{errors['(file)']}</p>}
        <p className="tech-note">
          {setup.offlineConfig
            ? t('technician.offlineConfig', { staff: setup.offlineConfig.staff, tasks: setup.offlineConfig.tasks })
            : t('technician.noOfflineConfig')}
          {setup.tlsConfigured && ` · ${t('technician.tlsConfigured')}`}
        </p>
        <NetworkNote network={setup.network} />
      </form>
      <div className="tech-actions">
        <button type="button" onClick={() => void request({ type: 'testConnection', draft })}>
          {t('technician.testConnection')}
        </button>
        <button type="button" className="primary" disabled={saving || Object.keys(errors).length > 0} onClick={() => void apply()}>
          {t('technician.apply')}
        </button>
      </div>
      {c && (
        <p className={c.reachable && !c.code ? 'tech-said' : 'tech-said tech-warning'} role="status" data-testid="tech-connection">
          {c.reachable ? t('technician.reachable', { ms: c.latencyMs }) : t('technician.unreachable')}
          {c.clockOffsetMs !== null && ` · ${t('technician.clockOffset')} ${String(c.clockOffsetMs)} ms`}
          {c.code && ` · ${c.code}: ${c.message}`}
        </p>
      )}
      {c?.page && (
        <p className={c.page.shown ? 'tech-said' : 'tech-said tech-warning'} role="status" data-testid="tech-connection-page">
          {c.page.shown ? t('technician.pageShown') : t('technician.pageNotShown')} · {c.page.message}
        </p>
      )}
      <UsbFiles setup={setup} kind="provisioning" />
      {focused && (
        <OnScreenKeyboard
          kind={focused.keys ?? 'latin'}
          value={draft[focused.path] ?? ''}
          onChange={(v) => set(focused.path, v)}
          onDone={() => setFocused(null)}
        />
      )}
    </section>
  );
}

/** The proxy and the province's CAs: set by a provisioning file on a USB drive, shown here to be checked by eye. */
function NetworkNote({ network }: { network: TechnicianSetup['network'] }) {
  const { t } = useTranslation();
  return (
    <div className="tech-note" data-testid="tech-network">
      <p>
        {network.proxy
          ? t(network.proxyFrom === 'environment' ? 'technician.proxyFromEnvironment' : 'technician.proxy', { proxy: network.proxy })
          : t('technician.noProxy')}
        {network.noProxy.length > 0 && ` · ${t('technician.proxyBypass', { hosts: network.noProxy.join(', ') })}`}
      </p>
      {network.provinceCas.length === 0 ? (
        <p>{t('technician.osTrustOnly')}</p>
      ) : (
        <ul>
          {network.provinceCas.map((ca) => (
            <li key={ca.sha256}>
              {t('technician.provinceCa', { subject: ca.subject, validTo: ca.validTo })}
              <br />
              <code>SHA-256 {ca.sha256}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Field(p: {
  spec: FieldSpec;
  value: string;
  error: string | undefined;
  isSet: boolean;
  onChange: (path: string, value: string) => void;
  onFocus: (f: FieldSpec | null) => void;
}) {
  const { t } = useTranslation();
  const { spec, value } = p;
  const id = `field-${spec.path}`;
  const described = p.error ? `${id}-error` : undefined;
  const common = { id, 'aria-invalid': p.error ? true : undefined, 'aria-describedby': described } as const;
  let control;
  if (spec.kind === 'boolean') {
    control = <input {...common} type="checkbox" checked={value === 'true'} onChange={(e) => p.onChange(spec.path, String(e.target.checked))} />;
  } else if (spec.kind === 'select') {
    control = (
      <select {...common} value={value} onChange={(e) => p.onChange(spec.path, e.target.value)}>
        {(spec.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        {...common}
        type={spec.kind === 'secret' ? 'password' : 'text'}
        inputMode={spec.keys === 'digits' ? 'numeric' : 'text'}
        autoComplete="off"
        spellCheck={false}
        value={value}
        placeholder={spec.kind === 'secret' && p.isSet ? t('technician.secretKept') : ''}
        onChange={(e) => p.onChange(spec.path, e.target.value)}
        onFocus={(e) => {
          p.onFocus(spec);
          e.currentTarget.scrollIntoView({ block: 'center' });
        }}
      />
    );
  }
  return (
    <div className="tech-field">
      <label htmlFor={id}>{t(fieldLabelKey(spec.path))}</label>
      {control}
      {p.error && (
        <span className="field-error" id={described}>
          {p.error}
        </span>
      )}
    </div>
  );
}
