import { z } from 'zod';
import { KEYPAD_KEYS } from '../../device-drivers/keypad-keys.js';
import { BADGE_ID, BADGE_ID_MESSAGE, MOBILE_PHONE, MOBILE_PHONE_MESSAGE, PIN, PIN_MESSAGE } from './formats.js';
import { PROVISIONING_FIELDS, type TechnicianSetup } from './technician.js';
import type { HallHours } from './hall-hours.js';

/**
 * The contract between the kiosk UI and the terminal. The renderer imports only the types;
 * the schemas validate every intent where it enters the main side (IPC or WebSocket).
 */

const level = z.number().int().min(1).max(5);

/** The parts of a citizen screen that fail on their own (an error boundary each), leaving the rest working. */
export const SCREEN_REGIONS = ['header', 'status-strip', 'screen', 'invite-head', 'staff-card', 'invite-qr', 'serving-qr', 'closed-qr'] as const;
export type ScreenRegion = (typeof SCREEN_REGIONS)[number];
const sessionId = z.uuid();
const pixels = z.number().int().min(0).max(16384);
const FIELD_PATHS = new Set(PROVISIONING_FIELDS.map((f) => f.path));
const draft = z.record(z.string(), z.string().max(8192)).refine((d) => Object.keys(d).every((k) => FIELD_PATHS.has(k)), 'only the provisioning form’s fields');

export const intentSchema = z.discriminatedUnion('type', [
  /** The citizen chose a level for the session (and item) on screen. */
  z.strictObject({ type: z.literal('choose'), sessionId, item: z.number().int().min(0).max(19), level }),
  z.strictObject({
    type: z.literal('submitFollowUp'),
    sessionId,
    tags: z.array(z.string().max(32)).max(20),
    answers: z.record(z.string().max(32), z.enum(['y', 'n', 'u'])),
    comment: z.string().max(500),
    phone: z.string().regex(MOBILE_PHONE, MOBILE_PHONE_MESSAGE).optional(),
    dimensions: z.strictObject({ serviceEfficiency: level, serviceLevel: level, serviceAttitude: level }).optional(),
  }),
  z.strictObject({ type: z.literal('skipFollowUp'), sessionId }),
  /** The citizen's own choices: how to rate several items, elderly mode, language; typing keeps a follow-up open. */
  z.strictObject({ type: z.literal('chooseMode'), sessionId, mode: z.enum(['combined', 'per-item']) }),
  z.strictObject({ type: z.literal('setElderly'), on: z.boolean() }),
  z.strictObject({ type: z.literal('setLocale'), locale: z.string().regex(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$/, 'a language tag such as zh-CN or en') }),
  z.strictObject({ type: z.literal('followUpActivity'), sessionId }),
  /** A badge read by a keyboard-emulating reader in the renderer. */
  z.strictObject({ type: z.literal('badge'), badgeId: z.string().regex(BADGE_ID, BADGE_ID_MESSAGE) }),
  /** Technician: the PIN typed on the PIN pad. */
  z.strictObject({ type: z.literal('technicianPin'), pin: z.string().regex(PIN, PIN_MESSAGE) }),
  /** Technician: any touch (keeps technician mode open), leaving it, and the diagnostics actions. */
  z.strictObject({ type: z.literal('technicianTouch') }),
  z.strictObject({ type: z.literal('technicianExit') }),
  z.strictObject({ type: z.literal('resendDeadLetters'), evalIds: z.array(z.uuid()).max(1000).optional() }),
  z.strictObject({ type: z.literal('integrityCheck') }),
  /** Technician: a dead relay bundle sent again, or set aside (kept, never sent). */
  z.strictObject({ type: z.literal('relayBundle'), bundleId: z.string().regex(/^[0-9a-f]{64}$/), action: z.enum(['resend', 'set-aside']) }),
  /** Technician: provisioning typed at the window, checked as typed, then applied. */
  z.strictObject({ type: z.literal('provisioningCheck'), draft }),
  z.strictObject({ type: z.literal('provisioningApply'), draft }),
  z.strictObject({ type: z.literal('testConnection'), draft }),
  /** Technician: look for USB drives again (and detected devices), take a file from one, write to one. */
  z.strictObject({ type: z.literal('rescan') }),
  z.strictObject({ type: z.literal('usbImport'), path: z.string().min(1).max(4096) }),
  z.strictObject({ type: z.literal('usbExport'), what: z.enum(['records', 'logs']) }),
  /** Technician: install a listed update file from a USB drive (the screen asked to confirm first). */
  z.strictObject({ type: z.literal('installUpdate'), path: z.string().min(1).max(4096) }),
  z.strictObject({ type: z.literal('deviceTest'), what: z.enum(['leds', 'lcd', 'prompt']), prompt: z.number().int().min(1).max(5).optional() }),
  z.strictObject({ type: z.literal('restartTerminal') }),
  z.strictObject({ type: z.literal('exitKiosk') }),
  /** The screen could not show a part of itself (a region failed, or a QR code would be unreadable): for the technician. */
  z.strictObject({
    type: z.literal('screenProblem'),
    region: z.enum(SCREEN_REGIONS),
    problem: z.enum(['qr-unreadable', 'render-failed']),
    detail: z.string().max(200),
  }),
  /** Page mode: the province's page reported loaded in its frame; the citizen chose to rate on the terminal instead. */
  z.strictObject({ type: z.literal('pageLoaded'), sessionId }),
  z.strictObject({ type: z.literal('pageRateHere'), sessionId }),
  /** Page mode: the frame was refused a navigation (the kiosk page's CSP `frame-src`): the page closes. */
  z.strictObject({ type: z.literal('pageLeft'), sessionId, blocked: z.string().max(200) }),
  /** Page mode under Electron: where the page's own view goes in the window (CSS pixels). */
  z.strictObject({ type: z.literal('pageFrame'), sessionId, x: pixels, y: pixels, width: pixels, height: pixels }),
  /** Demo only: press a key of the simulated keypad. */
  z.strictObject({ type: z.literal('simulateKey'), key: z.number().refine((k) => (KEYPAD_KEYS as readonly number[]).includes(k), 'a key of the keypad') }),
]);

export type Intent = z.infer<typeof intentSchema>;

export const intentEnvelopeSchema = z.strictObject({ id: z.number().int().min(0), intent: intentSchema });
export type IntentEnvelope = z.infer<typeof intentEnvelopeSchema>;

export type TerminalState = 'unprovisioned' | 'closed' | 'serving' | 'inviting' | 'follow-up' | 'thanks' | 'paused' | 'maintenance';

export interface ViewItem {
  taskName: string;
  deptName?: string | undefined;
}

export interface ViewTag {
  code: string;
  text: string;
}

/** The province's page in the kiosk's frame (page mode). */
export interface PageView {
  sessionId: string;
  url: string;
  origin: string;
}

export interface TerminalView {
  state: TerminalState;
  /** Terminal time when this view was made; the UI derives its clock offset from it. */
  serverNow: number;
  /** The citizen's language (a BCP 47 tag with a locale file in the renderer); zh-CN unless they chose another. */
  locale: string;
  /** The citizen switched on elderly mode (长辈模式); both reset when their session ends. */
  elderly: boolean;
  /** When an idle screen may dim and blank (burn-in protection): closed, or outside the hall hours; never mid-invitation. */
  display: { hallHours: HallHours | null; dimAfterMs: number; blankAfterMs: number };
  /** Voice prompts on screen (provisioning `voice`): always, never, or in elderly mode only. */
  voice: 'on' | 'off' | 'elderly-only';
  hall: { hallName: string; windowName: string };
  staff: { staffId: string; name: string; title?: string | undefined; photo?: string | undefined } | null;
  staticQrUrl: string | null;
  session: {
    sessionId: string;
    qrUrl: string;
    openedAt: number;
    expiresAt: number;
    /** `choose`: the citizen has still to pick one rating for all items or one per item. */
    mode: 'combined' | 'per-item' | 'choose';
    items: ViewItem[];
    /** Index of the item being rated (per-item sessions); 0 otherwise. */
    currentItem: number;
    chosen: number | null;
    followUp: {
      expiresAt: number;
      tags: ViewTag[];
      questions: { id: string; text: string }[];
      dimensions: boolean;
      reasonRequired: boolean;
      phoneAllowed: boolean;
    } | null;
  } | null;
  /**
   * Page mode (province-page.md): the province's evaluation page shown for the open invitation instead of the five
   * buttons; `origin` is the only one the frame may show (the kiosk page's CSP names it too). Absent otherwise.
   */
  page?: PageView | undefined;
  scale: 'manyi' | 'haocha';
  stats: { todayCount: number; satisfiedRate: number | null } | null;
  sync: { online: boolean; pending: number };
  /** The disk is full: no invitation opens until space returns (the screen says so). */
  storageFull: boolean;
  notice: { kind: 'unknown-badge'; until: number } | null;
  /** The physical keypad, and its last key so the screen can show what was pressed. */
  keypad: { kind: string; connected: boolean; lastKey: number | null; lastKeyAt: number | null } | null;
  /** Technician entry and, while inside (state maintenance), what the technician screens show. */
  technician: {
    /** The PIN pad was asked for by a technician badge (the screen's hidden gesture opens it locally). */
    padRequested: boolean;
    lockedUntil: number | null;
    diagnostics: Diagnostics | null;
    setup: TechnicianSetup | null;
  };
}

/** The diagnostics screen (screens.md, Technician). */
export interface Diagnostics {
  version: string;
  uptimeS: number;
  terminalId: string | null;
  queue: { pending: number; deadLetter: number; oldestPendingAt: number | null };
  deadLetters: { evalId: string; seq: number; code: string | null; message: string | null }[];
  /**
   * Other terminals' bundles: `rejected` is a dead letter (with its reason) a technician may resend or set aside; a
   * `done` one with `rejected` records relayed the rest, and the refused ones (the first one's code and message in
   * `lastCode` / `lastError`) go again when a technician resends it. `held` (code UNVERIFIED): a gov-form terminal
   * could not check its signature, so it is never relayed; `lastError` says why; a technician may set it aside.
   */
  relayed: {
    bundleId: string;
    originTerminal: string;
    records: number;
    state: 'pending' | 'done' | 'rejected' | 'set-aside' | 'held';
    attempts: number;
    /** Records the province has answered so far: a gov-form relay's progress. */
    judged: number;
    /** Records the province refused when the bundle was relayed (null before). */
    rejected: number | null;
    lastCode: string | null;
    lastError: string | null;
  }[];
  sync: {
    online: boolean;
    lastUploadAt: string | null;
    lastError: string | null;
    lastHeartbeatAt: string | null;
    /** The province refuses this terminal's credentials: `unknown-app` (not registered yet) or `refused` (sign, secret, key); records wait meanwhile. */
    credentials: { kind: 'unknown-app' | 'refused'; code: string; message: string } | null;
  };
  clock: { offsetMs: number | null; trusted: boolean };
  database: { bytes: number; integrity: { ok: boolean; at: number; detail: string } | null };
  security: string[];
  /** The latest warnings and errors from the log, newest first. */
  problems: { at: number; level: string; msg: string }[];
  /** The releases under the launcher (`hcp-terminal releases`); null when the terminal runs without one. */
  releases: ReleasesView | null;
  /** Page mode since start: the province's pages shown (loaded in the frame) and the fallbacks to the terminal's own screen, by reason. */
  page?: { shown: number; fallbacks: Partial<Record<string, number>> } | null | undefined;
}

/** Which release runs, which is known good, the trial, a rollback, and the last install attempt (main/update/status.ts). */
export interface ReleasesView {
  current: string | null;
  lastKnownGood: string | null;
  onTrial: boolean;
  starts: number;
  maxStarts: number;
  trialMinutes: number | null;
  rolledBackFrom: string | null;
  rolledBackAt: string | null;
  lastAttempt: { at: string; ok: boolean; file: string; version: string | null; reason: string | null; message: string } | null;
}

/** A refusal may name the fields it refers to (the provisioning form shows each message next to its field). */
export type IntentResult = { ok: true } | { ok: false; code: string; message: string; fields?: Record<string, string> };

/** Messages from the terminal to a UI over the WebSocket transport. */
export type ServerMessage = { kind: 'view'; view: TerminalView } | { kind: 'result'; id: number; result: IntentResult };

/** The narrow API the Electron preload exposes on `window.hcp`. */
export interface PreloadBridge {
  send(intent: Intent): Promise<IntentResult>;
  onView(listener: (view: TerminalView) => void): () => void;
}
