// The app renders in the browser and talks to /api/* (conventions.md, "Web").
export const ssr = false;
export const prerender = false;
