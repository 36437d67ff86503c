#!/usr/bin/env node
// Runs the TypeScript worker process through tsx: no build step between a clone and the worker.
import { register } from 'tsx/esm/api';

register();
await import('../worker/main.ts');
