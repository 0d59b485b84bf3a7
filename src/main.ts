/**
 * Entry point for `npx cdk8s synth` (see cdk8s.yaml): renders the fleet file named by
 * MESHC_CONFIG (default mesh.yaml) into the folder the cdk8s CLI chooses. `meshc synth`
 * is the everyday command; this keeps the standard cdk8s workflow working too.
 */
import { main } from './cli';

const out = process.env.CDK8S_OUTDIR ?? 'cdk8s.out';
process.exitCode = main(['synth', '--config', process.env.MESHC_CONFIG ?? 'mesh.yaml', '--out', out]);
