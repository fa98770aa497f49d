/**
 * The one module that imports cdktf itself. cdktf is archived upstream (December 2025); its
 * community fork (cdktn) needs Node 22. Keeping every cdktf import behind this file means a
 * switch edits this file (and the provider imports), nothing else.
 */
import { TerraformBackend, type TerraformRemoteState } from 'cdktf';
import type { Construct } from 'constructs';

export type { IResolvable, ITerraformDependable } from 'cdktf';
export {
  App,
  DataTerraformRemoteStateS3,
  Fn,
  ref,
  S3Backend,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
} from 'cdktf';

/** Settings of the S3 state backend that are fixed in code (the bucket is not: see PartialS3Backend). */
export interface PartialS3BackendProps {
  /** Object key of the state file inside the bucket. */
  readonly key: string;
  /** Region of the state bucket. */
  readonly region: string;
  /**
   * Encrypt the state object server-side.
   * @default true
   */
  readonly encrypt?: boolean;
  /**
   * S3 native state locking (a `.tflock` object next to the state; Terraform 1.10 or newer).
   * @default true
   */
  readonly useLockfile?: boolean;
}

/**
 * An S3 backend without a bucket: a partial configuration completed at
 * `terraform init -backend-config="bucket=<name>"`. cdktf's own S3Backend requires the bucket
 * in code, which would bake one account's bucket name into every fork of the repository.
 */
export class PartialS3Backend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly props: PartialS3BackendProps,
  ) {
    super(scope, 'backend', 's3');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      key: this.props.key,
      region: this.props.region,
      encrypt: this.props.encrypt ?? true,
      use_lockfile: this.props.useLockfile ?? true,
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return this.synthesizeAttributes();
  }

  getRemoteStateDataSource(_scope: Construct, _name: string, _fromStack: string): TerraformRemoteState {
    throw new Error('PartialS3Backend: cross-stack references are not used; each environment is separate');
  }
}
