// Networks page: each OpenVNet network with its subnets, address pools (a meter plus the
// percentage in text) and the tasks attached with their addresses.
import { api } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { appRoute } from '../lib/format';
import { deriveNetworks, normalizeNetworks, poolPercent, type NetworkView } from '../lib/networks';
import type { View, ViewContext } from '../view';

export function networksView(_ctx: ViewContext): View {
  const note = h('p', { class: 'note', hidden: true });
  const list = h('div', { class: 'networks' }, h('p', { class: 'muted' }, 'Loading…'));
  const el = h('section', { class: 'page networks-page' }, h('h1', {}, 'Networks'), note, list);

  const renderNetwork = (n: NetworkView): HTMLElement => {
    const hid = uid('net');
    return h(
      'section',
      { class: 'card network', 'aria-labelledby': hid, 'data-network': n.name },
      h('h2', { id: hid }, n.name, n.displayName && n.displayName !== n.name ? h('span', { class: 'muted' }, ` — ${n.displayName}`) : null),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'Subnets'),
        h(
          'dd',
          {},
          n.subnets.length > 0 ? h('ul', { class: 'inline-list' }, n.subnets.map((s) => h('li', {}, h('code', {}, s)))) : h('span', { class: 'muted' }, 'unknown'),
          n.subnetsInferred ? h('span', { class: 'muted' }, ' (inferred from task addresses)') : null,
        ),
        h('dt', {}, 'Apps'),
        h('dd', {}, n.apps.length > 0 ? h('ul', { class: 'inline-list' }, n.apps.map((a) => h('li', {}, h('a', { href: appRoute(a) }, a)))) : h('span', { class: 'muted' }, 'none')),
      ),
      n.pools.length > 0
        ? h(
            'div',
            { class: 'pools' },
            h('h3', {}, 'Address pools'),
            h(
              'ul',
              { class: 'pool-list' },
              n.pools.map((p) => {
                const mid = uid('pool');
                const pct = poolPercent(p);
                return h(
                  'li',
                  { class: pct >= 100 ? 'pool pool-full' : 'pool' },
                  h('label', { for: mid }, p.label),
                  h('meter', { id: mid, min: 0, max: Math.max(p.total, 1), value: Math.min(p.used, p.total), low: Math.max(p.total, 1) * 0.7, high: Math.max(p.total, 1) * 0.9, optimum: 0 }, `${pct}%`),
                  h('span', { class: 'pool-text' }, `${p.used} of ${p.total} used (${pct}%)`, pct >= 100 ? h('strong', {}, ' — full') : null),
                );
              }),
            ),
          )
        : null,
      h(
        'table',
        { class: 'data attachments' },
        h('caption', {}, `Attached tasks (${n.attachments.length})`),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'App'), h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'Interface'), h('th', { scope: 'col' }, 'Address'), h('th', { scope: 'col' }, 'MAC'), h('th', { scope: 'col' }, 'Addressing'), h('th', { scope: 'col' }, 'Host')),
        ),
        h(
          'tbody',
          {},
          n.attachments.length === 0
            ? h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No task is attached.'))
            : n.attachments.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, a.appId ? h('a', { href: appRoute(a.appId) }, a.appId) : ''),
                  h('th', { scope: 'row' }, h('code', {}, a.taskId)),
                  h('td', {}, h('code', {}, a.interfaceName)),
                  h('td', {}, a.address ? h('code', {}, a.address) : h('span', { class: 'muted' }, 'waiting for lease')),
                  h('td', {}, h('code', {}, a.macAddress)),
                  h('td', {}, a.bootproto.toLowerCase() === 'dhcp' ? 'DHCP' : a.bootproto),
                  h('td', {}, a.host),
                ),
              ),
        ),
      ),
    );
  };

  return {
    title: 'Networks',
    el,
    async refresh() {
      const fromApi = await api.networks();
      let nets: NetworkView[];
      if (fromApi !== undefined) {
        nets = normalizeNetworks(fromApi);
        note.hidden = true;
      } else {
        nets = deriveNetworks(await api.listApps());
        note.hidden = false;
        note.textContent =
          'This server has no /v2/networks endpoint, so the networks below are derived from the apps’ container.networkInterfaces and the addresses their tasks report. Networks no app uses are not shown, and pools are counted per app interface.';
      }
      replaceChildren(list, nets.length === 0 ? h('p', { class: 'muted' }, 'No network is in use.') : nets.map(renderNetwork));
    },
  };
}
