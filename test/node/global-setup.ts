import type { TestProject } from "vitest/node";
import { buildWebApp, startDevServer } from "./dev-server";

/** One build and one dev server for the whole node-side suite (browser tests, deploy check). */
export default async function setup(project: TestProject) {
  buildWebApp();
  const server = await startDevServer();
  project.provide("baseUrl", server.url);
  project.provide("appSecret", server.appSecret);
  project.provide("verifyToken", server.verifyToken);
  return async () => server.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    appSecret: string;
    verifyToken: string;
  }
}
