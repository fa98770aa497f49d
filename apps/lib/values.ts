/** Container resources as Helm charts take them in their values (plain strings). */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}
