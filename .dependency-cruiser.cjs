/** The dependency rules of ARCHITECTURE.md, checked by `npm run depcheck` inside `npm test` (and each one proven by test/unit/dependency-rules.test.ts). */

/** Import-free rule modules every side may share: key codes and levels, and the formats (badge, PIN, phone, CST). */
const SHARED_PURE = '^(device-drivers/keypad-keys|main/bridge/formats|main/bridge/technician|main/bridge/hall-hours)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'renderer-only-bridge-types',
      comment: 'renderer/ imports nothing outside itself at run time except the two pure, import-free rule modules',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(main|sync|device-drivers)/', pathNot: SHARED_PURE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-types-from-bridge-only',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(main/(?!bridge/)|sync/|device-drivers/)', pathNot: SHARED_PURE },
    },
    {
      name: 'shared-pure-modules-import-nothing',
      comment: 'the rule modules the renderer shares stay import-free, so sharing them pulls in nothing else',
      severity: 'error',
      from: { path: SHARED_PURE },
      to: {},
    },
    {
      name: 'drivers-and-sync-stand-alone',
      comment: 'device-drivers/ and sync/ import nothing from main/ or renderer/',
      severity: 'error',
      from: { path: '^(device-drivers|sync)/' },
      to: { path: '^(main|renderer)/' },
    },
    {
      name: 'drivers-not-sync',
      severity: 'error',
      from: { path: '^device-drivers/' },
      to: { path: '^sync/' },
    },
    {
      name: 'sync-not-drivers',
      severity: 'error',
      from: { path: '^sync/' },
      to: { path: '^device-drivers/' },
    },
    {
      name: 'core-not-shells',
      comment: 'main/core/ never imports main/electron/, main/host/ or main/api/',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^main/(electron|host|api)/' },
    },
    {
      name: 'core-only-ports-and-pure',
      comment: 'main/core/ depends on its own modules, the bridge contract and pure helpers; store, sync and devices reach it as ports',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^main/(?!core/|bridge/)' },
    },
    {
      name: 'core-no-sync-or-driver-code',
      comment: 'main/core/ may name the record types of sync/, never run its code or the drivers',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^(sync|device-drivers)/', pathNot: SHARED_PURE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'store-wired-by-composition-root',
      comment: 'concrete storage classes are built by main/runtime (and the CLI commands that read a stopped terminal), never by features',
      severity: 'error',
      from: { path: '^main/', pathNot: '^main/(store|runtime|cli|provisioning)/|^main/electron/main\\.ts$' },
      to: { path: '^main/store/' },
    },
    {
      name: 'devices-wired-by-composition-root',
      severity: 'error',
      from: { path: '^main/', pathNot: '^main/(devices|runtime)/' },
      to: { path: '^main/devices/' },
    },
    {
      name: 'sync-engine-wired-by-composition-root',
      comment: 'outside main/runtime, main/store and the CLI, main/ uses only the pure helpers of sync/ (crypto, links, records, chain, bareHost)',
      severity: 'error',
      from: { path: '^main/', pathNot: '^main/(runtime|store|cli)/' },
      to: { path: '^sync/(?!crypto/|links\\.ts$|record\\.ts$|chain\\.ts$|net/bare-host\\.ts$)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'electron-only-in-main-electron',
      severity: 'error',
      from: { pathNot: '^main/electron/' },
      to: { path: '^electron$|node_modules/electron/' },
    },
    {
      name: 'hardware-only-in-drivers',
      comment: 'only device-drivers/ imports serialport and node-hid',
      severity: 'error',
      from: { pathNot: '^device-drivers/' },
      to: { path: 'node_modules/(serialport|@serialport/|node-hid)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in the graph (not followed), or the rules about serialport, node-hid and electron could never fire.
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.cts', '.js', '.json'],
    },
    builtInModules: { add: ['electron'] },
  },
};
