import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// In development the app runs on Vite's server and talks to the Parley server through this proxy,
// so the browser only ever sees one origin (as in production, where the server serves dist/).
const serverUrl = process.env.PARLEY_SERVER_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [svelte()],
  server: {
    proxy: {
      '/socket.io': { target: serverUrl, ws: true, changeOrigin: true },
      '/avatars': { target: serverUrl, changeOrigin: true },
    },
  },
  preview: {
    proxy: {
      '/socket.io': { target: serverUrl, ws: true, changeOrigin: true },
      '/avatars': { target: serverUrl, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
