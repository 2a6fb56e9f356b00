import { main } from './main.ts';
import { handleStreamErrors } from './process-streams.ts';

handleStreamErrors();
process.exitCode = await main(process.argv.slice(2));
