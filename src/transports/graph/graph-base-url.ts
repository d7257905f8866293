import type { Cloud } from '../../microsoft/cloud.ts';

/**
 * Microsoft Graph v1.0's root for a cloud (learn: deployments, national cloud endpoints). For a custom
 * authority — how Mailroom reaches the emulator — Graph is served by the same host, as the emulator's
 * `/v1.0/me` already is.
 */
const GRAPH_HOSTS: Record<Exclude<Cloud, 'custom'>, string> = {
  global: 'https://graph.microsoft.com',
  usgov: 'https://graph.microsoft.us',
  china: 'https://microsoftgraph.chinacloudapi.cn',
};

export const graphBaseUrl = (cloud: Cloud, customAuthorityUrl: string | null): string | null => {
  if (cloud !== 'custom') return `${GRAPH_HOSTS[cloud]}/v1.0`;
  return customAuthorityUrl ? `${customAuthorityUrl.replace(/\/+$/, '')}/v1.0` : null;
};
