/** Hand-written types for the Argo Workflows (argoproj.io/v1alpha1) WorkflowTemplate fields used. */
import type { Container, PodSpec, Toleration, Volume } from '../lib/pod.js';

interface Parameter {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly path?: string; readonly parameter?: string };
}

interface Artifact {
  readonly name: string;
  readonly path?: string;
  readonly from?: string;
  readonly archive?: { readonly none: Record<string, never> };
  /** Key in the default artifact repository (the model bucket). */
  readonly s3?: { readonly key: string };
}

interface Arguments {
  readonly parameters?: readonly Parameter[];
  readonly artifacts?: readonly Artifact[];
}

interface DagTask {
  readonly name: string;
  readonly template: string;
  readonly depends?: string;
  readonly withParam?: string;
  readonly arguments?: Arguments;
}

type ScriptContainer = Omit<Container, 'name'> & { readonly source: string };

export interface Template {
  readonly name: string;
  readonly inputs?: Arguments;
  readonly outputs?: Arguments;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly retryStrategy?: {
    readonly limit: string;
    readonly retryPolicy: 'Always' | 'OnFailure' | 'OnError';
  };
  readonly dag?: { readonly tasks: readonly DagTask[] };
  readonly script?: ScriptContainer;
}

export interface WorkflowTemplateSpec {
  readonly entrypoint: string;
  readonly serviceAccountName: string;
  readonly parallelism?: number;
  readonly activeDeadlineSeconds?: number;
  readonly podGC?: {
    readonly strategy: 'OnPodCompletion' | 'OnPodSuccess' | 'OnWorkflowCompletion' | 'OnWorkflowSuccess';
  };
  readonly ttlStrategy?: { readonly secondsAfterCompletion: number };
  readonly securityContext?: PodSpec['securityContext'];
  readonly volumes?: readonly Volume[];
  readonly arguments?: Arguments;
  readonly templates: readonly Template[];
}
