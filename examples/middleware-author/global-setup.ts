// One lab, with warm browsers, for the whole test run: the test files connect
// to it (connectLab), so no file pays for a browser launch.
import type { TestProject } from 'vitest/node';
import { createLab, serveLab } from 'cors-lab';

declare module 'vitest' {
  export interface ProvidedContext {
    corsLab: string;
  }
}

export default async function setup(project: TestProject) {
  const lab = await createLab();
  const served = await serveLab(lab);
  project.provide('corsLab', served.url);
  return async () => {
    await served.close();
    await lab.close();
  };
}
