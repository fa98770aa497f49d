/**
 * The one module that imports cdktf itself. cdktf is archived upstream (December 2025); its
 * community fork (cdktn) needs Node 22. Keeping every cdktf import behind this file means a
 * switch edits this file (and the provider imports), nothing else.
 */
export {
  App,
  Fn,
  S3Backend,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Token,
} from 'cdktf';
