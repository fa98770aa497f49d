/**
 * The AWS side of one environment as a cdktf stack. Each component folder under infra/
 * exports a construct; this file wires them in dependency order.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { Construct } from 'constructs';
import { clusterName, type Environment } from '../clusters/lib/environment.js';
import { versions } from '../clusters/versions.js';
import { TerraformStack } from './cdktf.js';

export class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, env: Environment, _all: readonly Environment[]) {
    super(scope, env.name);
    new AwsProvider(this, 'aws', {
      region: env.region,
      defaultTags: [
        {
          tags: {
            'genai-eks/environment': env.name,
            'genai-eks/cluster': clusterName(env),
            'genai-eks/kubernetes': versions.kubernetes,
            'genai-eks/managed-by': 'cdktf',
          },
        },
      ],
    });
  }
}
