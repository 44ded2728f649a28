// The helper's wire protocol: JSON-RPC 2.0 with LSP base-protocol framing (Content-Length) on
// the helper's stdio. This file is the single TypeScript mirror of what native/helper speaks;
// the helper's C side implements exactly these names (see native/helper/protocol.h).

export const PROTOCOL_VERSION = 4;

/** Probe kinds the helper reports on in `initialize` and uses in attach results. */
export type ProbeKind =
  | 'uprobe'
  | 'uretprobe'
  | 'kprobe'
  | 'kretprobe'
  | 'fentry'
  | 'fexit'
  | 'tracepoint';

export interface Capability {
  available: boolean;
  /** Plain words: why it is unavailable and what would fix it. Absent when available. */
  reason?: string;
}

export interface InitializeParams {
  processId: number | null;
  clientInfo?: { name: string; version?: string };
  /** Extra LSP fields a LanguageClient sends are accepted and ignored. */
  [lspField: string]: unknown;
}

export interface HelperLimits {
  maxProbes: number;
  /** Helper processes one user who is not root may run at once (root: not limited). */
  maxSessionsPerUser: number;
  maxArgs: number;
  maxStringLength: number;
  maxEventsPerSecond: number;
}

export interface InitializeResult {
  /** Empty LSP ServerCapabilities, so a LanguageClient is content. */
  capabilities: Record<string, never>;
  serverInfo: { name: 'probe-lens-helper'; version: string };
  protocolVersion: number;
  /** One entry per ProbeKind: measured on the running kernel, not guessed. */
  probeKinds: Record<ProbeKind, Capability>;
  /**
   * The uid whose permissions bound what may be probed: the helper's real uid, or when that is
   * root, the real uid of the process that started it (sudo's invoking user, pkexec's caller).
   * null when it could not be told: then every probe request is refused, saying why.
   */
  requestingUser: { uid: number | null };
  /** Whether the helper itself can load BPF (root, or CAP_BPF + CAP_PERFMON). */
  privileged: boolean;
  tracefs: { mounted: boolean; path?: string };
  limits: HelperLimits;
  /**
   * How probes attach here. `uprobeMulti` (Linux 6.6): one link for all the functions of a
   * `probe/attachFunctions`; unavailable, a link per function,
   * slower to attach and far slower to detach by the hundred.
   */
  mechanisms: { uprobeMulti: Capability };
}

/** x86-64 SysV integer argument registers, in argument order. */
export const ARG_REGISTERS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'] as const;
export type ArgRegister = (typeof ARG_REGISTERS)[number];

/**
 * Where an argument lives at function entry: a register, or a stack slot given as a byte
 * offset from the stack pointer at entry (8 is the first stack-passed argument, 0 the return
 * address).
 */
/** Every general register: where a local may be at a line. */
export type GeneralRegister = ArgRegister | 'rax' | 'rbx' | 'rbp' | 'rsp' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15';

export type ArgLocation =
  | { register: GeneralRegister }
  | { stackOffset: number }
  /** A line's local in its frame slot: the value at the register's value + offset (its type's size). */
  | { memory: { register: GeneralRegister; offset: number } }
  /** A struct passed by value: its bytes are these registers' (a `pointer` with a `deref` of ≤ 16 bytes)... */
  | { registers: ArgRegister[] }
  /** ...or its copy on the stack, at this offset (a `pointer` with a `deref`). */
  | { stackCopy: number };

export type ValueType =
  | 'u8' | 'u16' | 'u32' | 'u64'
  | 's8' | 's16' | 's32' | 's64'
  | 'bool'
  | 'char'
  | 'pointer'
  /** A `char *`: read as a NUL-terminated string, at most `stringLength` bytes. */
  | 'string';

/** What a probe shows: each argument's name and type, and the return value's type. */
export interface CapturedShape {
  args: { name: string; type: ValueType }[];
  ret?: ValueType | null;
  /** Client side, by argument name: how to show what a pointer argument points to. */
  layouts?: Record<string, PointeeLayout>;
  /** Client side: enumerator names by value (decimal string), for enum arguments by name and the return value. */
  enums?: Record<string, Record<string, string>>;
  returnEnum?: Record<string, string>;
  /** Client side: how to show a struct returned by value. */
  returnLayout?: PointeeLayout;
}

export interface ArgSpec {
  name: string;
  location: ArgLocation;
  type: ValueType;
  /**
   * For a `pointer`: read `size` bytes (1..64) where it points, at entry, and the NUL-terminated
   * string the pointer at byte `stringAt` (a multiple of 8) among them points to — or, with
   * `lengthAt`, exactly as many bytes as the 8-byte length there says (binary data, NULs and all).
   * The call's record then carries a PointeeValue for it.
   */
  deref?: { size: number; stringAt?: number; lengthAt?: number };
}

/**
 * How the client shows what a pointer argument points to (from DWARF; never sent to the
 * helper): the struct's scalar fields, and the text one of them points to, cut to the length
 * field beside it when there is one.
 */
export interface PointeeLayout {
  typeName: string;
  /** Offset of the pointer whose text is read, or null. */
  textAt: number | null;
  /** Offset of the text's length (8 bytes), or null: NUL-terminated. */
  lengthAt: number | null;
  /** A string type (std::string): shown as its text alone. */
  textOnly: boolean;
  /** libc++'s std::string: bit 0 of byte 0 clear means short, the text inline from byte 1, its length byte 0 >> 1. */
  inlineWhenShort?: boolean;
  fields: { name: string; offset: number; type: ValueType }[];
}

export interface CaptureSpec {
  /** At most `limits.maxArgs` (6). */
  args: ArgSpec[];
  /** Type of the return value; omitted or null: return value not captured. */
  ret?: ValueType | null;
  /** Bound for `string` reads, 1..limits.maxStringLength; default 64. */
  stringLength?: number;
  /**
   * With `ret: 'pointer'`, a struct returned by value: its bytes are those of rax (and rdx with
   * `registers: 2`), or with no `registers` the `size` bytes rax points to at the return (the
   * caller's buffer); the text a field points to is read as for a deref'd argument.
   */
  retStruct?: { size: number; stringAt?: number; lengthAt?: number; registers?: 1 | 2 };
}

/** Which processes a probe counts. */
export interface ProcessFilter {
  pid: number;
  /** Also count processes forked from it, at any depth. */
  descendants?: boolean;
  /**
   * Count nothing until `pid` calls execve: for a command the client started held before its
   * first instruction (its wrapper's own calls are not the command's).
   */
  fromExec?: boolean;
}

/** How a kernel function is probed: fentry/fexit where the kernel allows it, else kprobes. */
export type KernelMechanism = 'auto' | 'fentry' | 'kprobe';

/** Exactly one of `binary`, `kernelFunction`, `tracepoint` and `syscall` names the target. */
export interface AttachParams {
  /** Absolute path of an ELF file the requesting user can read. */
  binary?: string;
  /** With `binary`: a function symbol (ELF .symtab, then .dynsym), or... */
  symbol?: string;
  /** ...a file offset into `binary`. Exactly one of `symbol` and `offset`. */
  offset?: number;
  /** A kernel function by name: arguments named and typed from kernel BTF. Root only, unless allowed. */
  kernelFunction?: string;
  /** With `kernelFunction`; default `auto`. */
  mechanism?: KernelMechanism;
  /** `CATEGORY:NAME`, fields from tracefs. */
  tracepoint?: string;
  /** A syscall name: `sys_enter_NAME` for the arguments, `sys_exit_NAME` for the return value. */
  syscall?: string;
  /** Omitted: every process of any user the requesting user may see (root: all). */
  filter?: ProcessFilter;
  /** Also probe the return (uretprobe, kretprobe, fexit, sys_exit). Default true; tracepoints have none. */
  retprobe?: boolean;
  /**
   * Call/return records (`probe/events`): omitted, every one; 0, none; else at most this many
   * calls a second with their returns, sampled evenly in time in the kernel (a few more may go
   * at once after a quiet spell). Counters are exact either way. `probe/subscribe` changes it.
   */
  maxRecordsPerSecond?: number;
  /** false: attached but counting nothing until `probe/start`, so that several probes count over the same moments. */
  start?: boolean;
  /** User functions: what to capture. Kernel targets: only `stringLength`. */
  capture?: CaptureSpec | { stringLength: number };
  /**
   * User functions: only calls whose captured argument `arg` compares so (by its type's width and
   * sign) go further than being counted in `calls`: `matched`, records, returns, latency, values.
   */
  condition?: Condition;
  /**
   * User functions: a captured number argument whose values are counted exactly in the kernel
   * (256 distinct values a probe; calls that meet the condition, with one), like the return value's.
   */
  valuesOf?: string;
  /**
   * User functions: count each call's user stack exactly (those that meet the condition, with
   * one) and send it with the call's record. See `AttachResult.stacks` for how deep they go.
   */
  stacks?: boolean;
}

/**
 * Where a frame is: a file and the offset in it; else its address in the process (a record's), or
 * null in counted stacks (the process ended before the helper read which files it had mapped).
 */
export type StackFrame = { object: string; offset: number } | { address: string | null };

/** A probe's stacks, counted exactly: the calls whose stack was not are `untallied` + `uncounted`. */
export interface StackCounts {
  /** Calls counted by stack. */
  counted: number;
  distinct: number;
  /** No room in the helper's tally. */
  untallied: number;
  /** No room in the kernel's map, or no stack could be read. */
  uncounted: number;
  /** The most frequent stacks, most first: the probed address first, then its callers' return addresses. */
  top: { count: number; frames: StackFrame[] }[];
  /** Immediate callers (the second frame) over all the stacks, most first. */
  callers: { count: number; frame: StackFrame }[];
}

export type ConditionOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/**
 * What a call must meet to go further than being counted, compared by the subject's width and
 * sign: a number argument with `value` (beyond 2^53: a decimal string), a string argument's text
 * whole (`eq`/`ne`), or, decided at the return, the return value or the latency in ns.
 */
export type Condition =
  | { arg: string; op: ConditionOp; value: number | string }
  | { arg: string; op: 'eq' | 'ne'; text: string }
  | { on: 'return' | 'latency'; op: ConditionOp; value: number | string };

export interface AttachResult {
  probe: number;
  kind: 'uprobe' | 'fentry' | 'kprobe' | 'tracepoint';
  retprobe: boolean;
  attachMs: number;
  /** User functions: canonical path of the probed file. */
  binary?: string;
  symbol?: string | null;
  /** File offset the probe sits at. */
  offset?: number;
  /** The function starts with endbr64, which the kernel single-steps: the probe sits on the next instruction. */
  pastEndbr64?: boolean;
  /** Virtual address of the symbol in the ELF file (st_value), when attached by symbol. */
  address?: number | null;
  /** Kernel targets: which one, its C signature, and what is captured. */
  kernelFunction?: string;
  tracepoint?: string;
  syscall?: string;
  signature?: string;
  capture?: CapturedShape;
  /** Why some parameters are not captured (a struct by value, more than six). */
  notCaptured?: string;
  /** Why fentry/fexit was not used although it was preferred. */
  fallback?: string;
  /**
   * With `stacks`: at most `depth` frames; 32 when the file keeps frame pointers, else the probed
   * address and (at a function's entry) its caller. `caller`: where the caller's return address
   * comes from.
   */
  stacks?: { depth: number; framePointers: boolean; caller: 'kernel' | 'stack pointer' | 'none' };
}

/** One function of a `probe/attachFunctions`: by symbol or by file offset, with its own capture. */
export type FunctionTarget = ({ symbol: string } | { offset: number }) & { capture?: CaptureSpec; condition?: Condition; valuesOf?: string; stacks?: boolean };

/**
 * `probe/attachFunctions`: a probe per function of one binary, attached together (one
 * uprobe_multi link for the entries and one for the returns, where the kernel has them). The
 * shared fields mean what they mean in `probe/attach`. At most `limits.maxProbes` functions.
 */
export interface AttachFunctionsParams extends Pick<AttachParams, 'filter' | 'retprobe' | 'maxRecordsPerSecond' | 'start'> {
  binary: string;
  functions: FunctionTarget[];
}

export interface AttachFunctionsResult {
  /** In the order of `functions`, less those that failed. */
  probes: AttachResult[];
  /** Functions that could not be probed (`index` in `functions`), with why; the request fails only when none could be. */
  failed: ({ index: number; symbol?: string; offset?: number; code: HelperErrorCode; message: string })[];
  links: 'uprobe_multi' | 'per-function';
  /** With per-function links: why uprobe_multi was not used. */
  linksReason: string | null;
  attachMs: number;
}

export interface DetachParams {
  probe: number;
}

/**
 * `probe/entryCosts`: what one uprobe hit costs here for each kind of first instruction (the cost
 * classes of the symbol index), measured now on the helper's own code with a trivial program;
 * `nop5Optimized`: the kernel rewrote a 5-byte nop into a call (optimized uprobes).
 */
export interface EntryCostsResult {
  nsPerHit: { optimized: number; emulated: number; 'single-stepped': number };
  nop5Optimized: boolean;
  calls: number;
}

/** `probe/detachMany`: probe/detach for each, as one (they stop counting together). */
export interface DetachManyParams {
  probes: number[];
}

export interface DetachManyResult {
  probes: ProbeStats[];
}

/** `probe/detach` answers with the probe's final, exact counters, after flushing its events. */
export type DetachResult = ProbeStats;

/** `probe/subscribe`: records from now on, every one (no rate) or about `maxRecordsPerSecond` calls a second. */
export interface SubscribeParams {
  probe: number;
  maxRecordsPerSecond?: number;
}

/** `probe/start`: probes attached with `start: false` count from now on, together; `probe/stop`: they all stop now. */
export interface StartParams {
  probes: number[];
}

/** `probe/unsubscribe`: counters only from now on. */
export type UnsubscribeParams = DetachParams;

export interface SubscribeResult {
  probe: number;
  /** The records sent now: null every one, 0 none, else at most this many calls a second. */
  maxRecordsPerSecond: number | null;
}

/**
 * Integers are JSON numbers while they are exact in a double (|v| < 2^53), else decimal strings;
 * pointers are "0x…" strings; strings are strings; bools are booleans; chars are numbers.
 */
/** A deref'd pointer argument: the bytes it points to (hex) and the text read, or unreadable. */
/** `address` is null for a struct passed by value (its bytes are the registers' or a stack copy's). */
export type PointeeValue =
  | { address: string | null; bytes: string; text: string }
  /** With deref.lengthAt: `data` is exactly the bytes the length said (hex, up to stringLength). */
  | { address: string | null; bytes: string; data: string }
  | { address: string; unreadable: true };

export type CapturedValue = number | string | boolean | null | PointeeValue;

export interface CallEvent {
  type: 'call';
  probe: number;
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  tsNs: number;
  args: Record<string, CapturedValue>;
  /** With `stacks`: the call's user stack, the probed address first. */
  stack?: StackFrame[];
}

export interface ReturnEvent {
  type: 'return';
  probe: number;
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  tsNs: number;
  ret: CapturedValue;
  /** null when the entry was not seen (thread entry stack full or evicted). */
  latencyNs: number | null;
}

export type ProbeEvent = CallEvent | ReturnEvent;

export interface EventsNotification {
  events: ProbeEvent[];
}

export interface ProbeStats {
  probe: number;
  /** Exact, counted in the kernel whatever the event rate. */
  calls: number;
  returns: number;
  /** Records lost: the ring buffer was full, or the helper's overall event-rate limit was hit. */
  dropped: number;
  /** Records the sampling left out on purpose (a rate was asked for, or none subscribed). */
  sampledOut: number;
  /** With a condition: the calls that met it (`calls` counts them all). */
  matched?: number;
  /**
   * With valuesOf: that argument's most frequent values, exact, and the calls whose value was not
   * counted; and its log2 histogram, exact: bucket 0 holds 0, k > 0 [2^(k-1), 2^k), k < 0
   * (-2^|k|, -2^(|k|-1)] (negative only for signed types), lowest first.
   */
  argValues?: {
    arg: string;
    top: { value: CapturedValue; count: number }[];
    uncounted: number;
    log2: { bucket: number; count: number }[];
    log2Uncounted: number;
  };
  /** The records sent now: null every one, 0 none, else at most this many calls a second. */
  maxRecordsPerSecond: number | null;
  /**
   * When the return value is captured: its most frequent values, counted exactly in the kernel
   * (most first), and the returns whose value was not counted (a probe counts 256 values).
   */
  topReturns?: { value: CapturedValue; count: number }[];
  returnsUncounted?: number;
  /** With `stacks`. */
  stacks?: StackCounts;
  /** log2 buckets: latencyHistogram[i] counts returns with latency in [2^i, 2^(i+1)) ns. */
  latencyHistogram: number[];
  /** The sum of those returns' latencies, in ns (exact; for a histogram's _sum). */
  latencySumNs?: number;
}

export interface StatsNotification {
  probes: ProbeStats[];
}

export type EndReason = 'process-exited' | 'binary-replaced';

export interface EndedNotification {
  probe: number;
  reason: EndReason;
  message: string;
  stats: ProbeStats;
}

export interface ProbeInfo extends AttachResult {
  filter: ProcessFilter | null;
  state: 'live' | 'ended';
  stats: ProbeStats;
}

export interface ListResult {
  probes: ProbeInfo[];
}

export interface KernelCatalogParams {
  /** Substring every returned name contains; omitted: everything. */
  filter?: string;
  limit?: number;
}

export interface KernelCatalogResult {
  /** What a kernel function probe would use here; null with the reason when nothing can. */
  functionMechanism: 'fentry' | 'kprobe' | null;
  functionMechanismReason?: string;
  functions: { name: string; signature: string }[];
  functionsTotal: number;
  syscalls: string[];
  syscallsTotal: number;
  /** `CATEGORY:NAME`. */
  tracepoints: string[];
  tracepointsTotal: number;
  tracepointsAvailable: boolean;
  tracepointsReason?: string;
}

/** The stable error names carried in a JSON-RPC error's `data.code`. */
export type HelperErrorCode =
  | 'parse-error'
  | 'invalid-request'
  | 'method-not-found'
  | 'bad-params'
  | 'not-initialized'
  | 'binary-not-found'
  | 'not-a-file'
  | 'not-elf'
  | 'stripped'
  | 'symbol-not-found'
  | 'permission-denied'
  | 'no-such-process'
  | 'no-privilege'
  | 'feature-unavailable'
  | 'limit-reached'
  | 'probe-not-found'
  | 'attach-failed';

export interface HelperErrorData {
  code: HelperErrorCode;
}

/** JSON-RPC numeric codes, one per name; the first four are JSON-RPC's own. */
export const ERROR_NUMBERS: Record<HelperErrorCode, number> = {
  'parse-error': -32700,
  'invalid-request': -32600,
  'method-not-found': -32601,
  'bad-params': -32602,
  'not-initialized': -32002,
  'binary-not-found': -32010,
  'not-a-file': -32011,
  'not-elf': -32012,
  'stripped': -32013,
  'symbol-not-found': -32014,
  'permission-denied': -32015,
  'no-such-process': -32016,
  'no-privilege': -32017,
  'feature-unavailable': -32018,
  'limit-reached': -32019,
  'probe-not-found': -32020,
  'attach-failed': -32021,
};

export const Methods = {
  initialize: 'initialize',
  initialized: 'initialized',
  shutdown: 'shutdown',
  exit: 'exit',
  attach: 'probe/attach',
  attachFunctions: 'probe/attachFunctions',
  detach: 'probe/detach',
  detachMany: 'probe/detachMany',
  entryCosts: 'probe/entryCosts',
  list: 'probe/list',
  start: 'probe/start',
  stop: 'probe/stop',
  subscribe: 'probe/subscribe',
  unsubscribe: 'probe/unsubscribe',
  kernelCatalog: 'probe/kernelCatalog',
  events: 'probe/events',
  stats: 'probe/stats',
  ended: 'probe/ended',
} as const;
