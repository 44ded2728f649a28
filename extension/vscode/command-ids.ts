// Every command id the extension contributes, in one place (package.json lists the same ids).

export const Commands = {
  probeFunction: 'probeLens.probeFunction',
  probeFunctionInBinary: 'probeLens.probeFunctionInBinary',
  probeFile: 'probeLens.probeFile',
  probeLine: 'probeLens.probeLine',
  probeFunctionIf: 'probeLens.probeFunctionIf',
  detachFile: 'probeLens.detachFile',
  probeKernelFunction: 'probeLens.probeKernelFunction',
  runWithProbes: 'probeLens.runWithProbes',
  detachAll: 'probeLens.detachAll',
  resetCounts: 'probeLens.resetCounts',
  detachProbe: 'probeLens.detachProbe',
  pauseProbe: 'probeLens.pauseProbe',
  resumeProbe: 'probeLens.resumeProbe',
  revealProbe: 'probeLens.revealProbe',
  openProbeInPanel: 'probeLens.openProbeInPanel',
  showPanel: 'probeLens.showPanel',
  checkSystem: 'probeLens.checkSystem',
  exportCalls: 'probeLens.exportCalls',
  restartHelper: 'probeLens.restartHelper',
  showLog: 'probeLens.showLog',
  chooseBinary: 'probeLens.chooseBinary',
  showCallers: 'probeLens.showCallers',
  showCallersOfFunction: 'probeLens.showCallersOfFunction',
  openFrame: 'probeLens.openFrame',
  showValueDistribution: 'probeLens.showValueDistribution',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];
