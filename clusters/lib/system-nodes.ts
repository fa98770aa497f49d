/**
 * The system managed node group's label and taint, shared by infra/ (which creates the nodes)
 * and apps/ (whose controllers-layer charts must run there before Karpenter has any NodePool).
 * See docs/platform.md, "Bootstrap order".
 */

/** Node label of the system managed node group. */
export const SYSTEM_NODE_LABEL = { key: 'genai-eks/node-role', value: 'system' } as const;

/** Taint key on the system nodes (value `true`, effect NoSchedule): only critical add-ons land there. */
export const SYSTEM_NODE_TAINT_KEY = 'CriticalAddonsOnly';
