/** The dependency rules of ARCHITECTURE.md, checked by `npm run depcheck` inside `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'renderer-only-bridge-types',
      comment: 'renderer/ imports nothing outside itself except type-only imports from main/bridge/',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(main|sync|device-drivers)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-types-from-bridge-only',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(main/(?!bridge/)|sync/|device-drivers/)' },
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
    exclude: { path: '(^|/)(dist|node_modules)/' },
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
