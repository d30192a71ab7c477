// The service console page. Plain browser JavaScript, served as is (no build step). Every value
// from the server reaches the page through textContent or chart data, never through innerHTML, so
// a customer's message cannot become markup here.
/* global echarts, document, window, navigator, fetch, Node, URLSearchParams, setTimeout, clearTimeout */
(function () {
  'use strict';

  const state = {
    csrf: '',
    staff: '',
    tab: 'overview',
    charts: new Map(),
    search: null,
    departments: [],
  };
  const CHANNEL_NAMES = {
    web: '网页',
    'wechat-mp': '微信公众号',
    wechaty: '微信',
    botframework: 'Bot Framework',
  };
  const FROM_NAMES = { customer: '客户', bot: '机器人', agent: '人工客服', system: '系统' };
  const STATUS_NAMES = {
    open: '待受理',
    in_progress: '处理中',
    resolved: '已解决',
    closed: '已关闭',
  };
  const CAUSES = [
    '系统故障',
    '业务规则',
    '人员服务',
    '产品与适当性',
    '客户理解偏差',
    '第三方原因',
    '其他',
  ];

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'className') node.className = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(message) {
    const box = $('.toast');
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.hidden = true), 4000);
  }

  class SignedOut extends Error {}

  const latest = {};
  /** Starts a load of one kind; the check says whether it is still the latest of its kind. */
  function begin(kind) {
    const n = (latest[kind] = (latest[kind] || 0) + 1);
    return () => latest[kind] === n;
  }

  /** Same-origin JSON request; changes carry the session's CSRF token. */
  async function api(path, options) {
    const init = { method: 'GET', credentials: 'same-origin', headers: {}, ...(options || {}) };
    if (init.method !== 'GET') init.headers['x-csrf-token'] = state.csrf;
    if (init.body !== undefined && typeof init.body !== 'string') {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(init.body);
    }
    const res = await fetch(path, init);
    if (res.status === 401) {
      showSignIn('会话已过期或未登录，请重新登录。');
      throw new SignedOut();
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(errorText(data, res.status));
    return data;
  }

  function errorText(data, status) {
    const error = data && data.error;
    if (error && typeof error === 'object') {
      const fields = error.fields ? Object.values(error.fields).join('；') : '';
      return [error.message, fields].filter(Boolean).join('：') || `请求失败（${status}）`;
    }
    if (data && data.message) return String(data.message);
    return `请求失败（${status}）`;
  }

  // ---------------------------------------------------------------- days

  /** Today as the firm counts days (Asia/Shanghai), YYYY-MM-DD. */
  function today() {
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  }
  function addDays(day, n) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function setRange(form, days) {
    form.elements.to.value = today();
    form.elements.from.value = addDays(today(), -(days - 1));
  }
  function timeText(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  }
  function percent(share) {
    return share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
  }
  function minutes(ms) {
    if (ms === null || ms === undefined) return '—';
    return ms < 60_000 ? `${Math.round(ms / 1000)} 秒` : `${(ms / 60_000).toFixed(1)} 分钟`;
  }
  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  // ---------------------------------------------------------------- sign-in

  function showSignIn(message) {
    state.csrf = '';
    loaded.clear();
    for (const page of $$('.page')) page.hidden = true;
    $('.tabs').hidden = true;
    $('.who').hidden = true;
    $('#sign-in').hidden = false;
    $('.sign-in-form .error').textContent = message || '';
  }

  function signedIn(session) {
    state.csrf = session.csrfToken;
    state.staff = session.staffName;
    $('#sign-in').hidden = true;
    $('.tabs').hidden = false;
    $('.who').hidden = false;
    $('.who-name').textContent = `已登录：${session.staffName}`;
    if (!followLink()) showTab(state.tab);
  }

  /**
   * A link to one transcript (#/conversations/REF, as a handoff thread in HANDOFF_TRANSCRIPT=link
   * mode carries) opens it once signed in; returns whether the address named one.
   */
  function followLink() {
    const m = /^#\/conversations\/(.+)$/.exec(window.location.hash);
    if (!m || !state.csrf) return false;
    let ref;
    try {
      ref = decodeURIComponent(m[1]);
    } catch {
      return false;
    }
    showTab('conversations');
    openTranscript(ref).catch(report);
    return true;
  }

  async function signIn(event) {
    event.preventDefault();
    const form = event.target;
    const error = $('.error', form);
    error.textContent = '';
    const res = await fetch('/console/sign-in', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: form.elements.token.value, name: form.elements.name.value }),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      error.textContent = errorText(data, res.status);
      return;
    }
    form.elements.token.value = '';
    signedIn(data);
  }

  async function signOut() {
    await fetch('/console/sign-out', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-csrf-token': state.csrf },
    }).catch(() => null);
    for (const chart of state.charts.values()) chart.dispose();
    state.charts.clear();
    showSignIn('您已退出登录。');
  }

  // ---------------------------------------------------------------- tabs

  const loaded = new Set();
  function showTab(tab) {
    state.tab = tab;
    for (const button of $$('.tabs button')) {
      button.classList.toggle('active', button.dataset.tab === tab);
    }
    for (const page of $$('.page')) page.hidden = page.id !== tab;
    if (!loaded.has(tab)) {
      loaded.add(tab);
      const first = {
        overview: loadOverview,
        conversations: () => searchConversations(false),
        tickets: loadTickets,
        missed: loadMissed,
      }[tab];
      if (first) first().catch(report);
    } else if (tab === 'overview') {
      for (const chart of state.charts.values()) chart.resize();
    }
  }

  function report(error) {
    if (error instanceof SignedOut) return;
    toast(error.message || String(error));
  }

  // ---------------------------------------------------------------- overview

  function chart(name) {
    let c = state.charts.get(name);
    if (!c) {
      c = echarts.init($(`[data-chart="${name}"]`), null, { renderer: 'canvas' });
      state.charts.set(name, c);
    }
    return c;
  }

  const EMPTY = {
    text: '暂无数据',
    left: 'center',
    top: 'middle',
    textStyle: { color: '#999', fontSize: 14 },
  };
  const GRID = { left: 48, right: 16, top: 36, bottom: 36, containLabel: true };

  function draw(name, option, empty) {
    const c = chart(name);
    c.clear();
    c.setOption(empty ? { ...option, title: EMPTY } : option);
  }

  function barOption(labels, values, extra) {
    return {
      grid: GRID,
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: values, barMaxWidth: 48, itemStyle: { color: '#2f6fde' } }],
      ...(extra || {}),
    };
  }

  function hbarOption(labels, values) {
    return {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        data: labels.slice().reverse(),
        axisLabel: { width: 140, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          barMaxWidth: 28,
          data: values.slice().reverse(),
          itemStyle: { color: '#2f6fde' },
        },
      ],
    };
  }

  function pieOption(counts) {
    return {
      tooltip: { trigger: 'item' },
      legend: { bottom: 0, type: 'scroll' },
      series: [
        {
          type: 'pie',
          radius: ['35%', '62%'],
          center: ['50%', '45%'],
          data: Object.entries(counts).map(([name, value]) => ({ name, value })),
          label: { formatter: '{b}: {c}' },
        },
      ],
    };
  }

  function days(from, to) {
    const out = [];
    for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
    return out;
  }

  function kpi(label, value, note) {
    return el(
      'div',
      { className: 'kpi' },
      el('span', { className: 'kpi-label' }, label),
      el('strong', {}, value),
      note ? el('small', {}, note) : null,
    );
  }

  async function loadOverview() {
    const form = $('#overview .range');
    const current = begin('overview');
    const o = await api(
      `/console/api/overview${query({ from: form.elements.from.value, to: form.elements.to.value })}`,
    );
    if (!current()) return;
    const range = days(o.range.from, o.range.to);

    // Early warning: a category whose complaints rose well above their recent level.
    const alerts = $('#overview .alerts');
    alerts.replaceChildren(
      ...(o.alerts || []).map((a) =>
        el(
          'p',
          { className: 'alert' },
          '预警：',
          a.message || `「${a.category}」类投诉近7天 ${a.recent} 件，此前周均 ${a.baseline} 件。`,
        ),
      ),
    );
    alerts.hidden = !(o.alerts || []).length;

    const total = o.containment ? o.containment.conversations : 0;
    $('#overview .kpis').replaceChildren(
      kpi('会话数', String(total)),
      kpi('自助解决率', percent(o.containment && o.containment.share), '未转人工的会话占比'),
      kpi('兜底率', percent(o.fallbackRate)),
      kpi('转人工率', percent(o.handoffRate)),
      kpi('等待中位数', minutes(o.handoffWait && o.handoffWait.medianMs)),
      kpi('等待 P90', minutes(o.handoffWait && o.handoffWait.p90Ms)),
      kpi('放弃排队', String((o.handoffWait && o.handoffWait.abandoned) || 0)),
      kpi('按时答复率', percent(o.answeredInTimeShare)),
    );

    const channels = [...new Set(o.conversationsByDay.map((r) => r.channel))].sort();
    const byKey = new Map(o.conversationsByDay.map((r) => [`${r.day}|${r.channel}`, r.count]));
    draw(
      'conversations',
      {
        grid: { ...GRID, top: 40 },
        tooltip: { trigger: 'axis' },
        legend: { top: 0, data: channels.map((c) => CHANNEL_NAMES[c] || c) },
        xAxis: { type: 'category', data: range },
        yAxis: { type: 'value', minInterval: 1 },
        series: channels.map((c) => ({
          name: CHANNEL_NAMES[c] || c,
          type: 'bar',
          stack: 'all',
          data: range.map((d) => byKey.get(`${d}|${c}`) || 0),
        })),
      },
      !o.conversationsByDay.length,
    );

    const rates = [
      ['自助解决率', o.containment && o.containment.share],
      ['兜底率', o.fallbackRate],
      ['转人工率', o.handoffRate],
      ['按时答复率', o.answeredInTimeShare],
    ];
    draw(
      'rates',
      barOption(
        rates.map((r) => r[0]),
        rates.map((r) =>
          r[1] === null || r[1] === undefined ? null : Math.round(r[1] * 1000) / 10,
        ),
        { yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } } },
      ),
    );

    const wait = o.handoffWait || {};
    draw('wait', {
      grid: GRID,
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: ['中位数（秒）', 'P90（秒）', '放弃排队（次）'] },
      yAxis: { type: 'value' },
      series: [
        {
          type: 'bar',
          barMaxWidth: 48,
          data: [
            wait.medianMs === null || wait.medianMs === undefined
              ? null
              : Math.round(wait.medianMs / 1000),
            wait.p90Ms === null || wait.p90Ms === undefined ? null : Math.round(wait.p90Ms / 1000),
            { value: wait.abandoned || 0, itemStyle: { color: '#d9534f' } },
          ],
          itemStyle: { color: '#2f6fde' },
          label: { show: true, position: 'top' },
        },
      ],
    });

    const dist = (o.satisfaction && o.satisfaction.distribution) || {};
    const scores = ['1', '2', '3', '4', '5'];
    draw(
      'satisfaction',
      barOption(
        scores.map((s) => `${s} 分`),
        scores.map((s) => dist[s] || 0),
      ),
      scores.every((s) => !dist[s]),
    );
    const trend = (o.satisfaction && o.satisfaction.trend) || [];
    draw(
      'satisfactionTrend',
      {
        grid: GRID,
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: trend.map((t) => t.day) },
        yAxis: { type: 'value', min: 1, max: 5 },
        series: [{ type: 'line', data: trend.map((t) => t.average), smooth: true }],
      },
      !trend.length,
    );

    const complaints = o.complaints || { byCategory: {}, byDepartment: {}, byStatus: {} };
    draw(
      'complaintsByCategory',
      pieOption(complaints.byCategory),
      !Object.keys(complaints.byCategory).length,
    );
    draw(
      'complaintsByDepartment',
      barOption(Object.keys(complaints.byDepartment), Object.values(complaints.byDepartment)),
      !Object.keys(complaints.byDepartment).length,
    );
    const byStatus = {};
    for (const [status, n] of Object.entries(complaints.byStatus))
      byStatus[STATUS_NAMES[status] || status] = n;
    draw('complaintsByStatus', pieOption(byStatus), !Object.keys(byStatus).length);

    draw(
      'topics',
      hbarOption(
        o.topTopics.map((t) => t.topic),
        o.topTopics.map((t) => t.count),
      ),
      !o.topTopics.length,
    );
    draw(
      'questions',
      hbarOption(
        o.topQuestions.map((t) => t.id),
        o.topQuestions.map((t) => t.count),
      ),
      !o.topQuestions.length,
    );
    const nu = o.notUnderstoodTrend || [];
    draw(
      'notUnderstood',
      {
        grid: GRID,
        tooltip: { trigger: 'axis', valueFormatter: (v) => `${v}%` },
        xAxis: { type: 'category', data: nu.map((t) => t.day) },
        yAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
        series: [
          {
            type: 'line',
            data: nu.map((t) => Math.round(t.share * 1000) / 10),
            areaStyle: { opacity: 0.15 },
          },
        ],
      },
      !nu.length,
    );
    $('#overview').dataset.loaded = `${o.range.from}..${o.range.to}`;
  }

  // ---------------------------------------------------------------- conversations

  async function searchConversations(more) {
    const form = $('#conversations .search');
    const list = $('#conversations .result-list');
    const status = $('#conversations .status');
    if (!more) {
      const f = form.elements;
      state.search = {
        params: {
          from: f.from.value,
          to: f.to.value,
          channel: f.channel.value,
          topic: f.topic.value.trim(),
          ticket: f.ticket.value.trim(),
          q: f.q.value.trim(),
        },
        next: null,
      };
    }
    const current = begin('search');
    status.textContent = '搜索中…';
    const params = { ...state.search.params, ...(more ? { cursor: state.search.next } : {}) };
    const page = await api(`/console/api/conversations${query(params)}`);
    // A newer search replaced this one while it waited: its answer is not shown.
    if (!current()) return;
    if (!more) list.replaceChildren();
    for (const item of page.items) {
      list.append(
        el(
          'li',
          {},
          el(
            'button',
            {
              type: 'button',
              className: 'result',
              'data-ref': item.ref,
              onclick: () => openTranscript(item.ref).catch(report),
            },
            el('span', { className: 'when' }, timeText(item.lastAt || item.startedAt)),
            el('span', { className: 'channel' }, CHANNEL_NAMES[item.channel] || item.channel),
            el('span', { className: 'topics' }, (item.topics || []).join('、') || '—'),
            el('span', { className: 'turns' }, `${item.turns} 轮`),
            (item.ticketIds || []).length
              ? el('span', { className: 'tickets' }, item.ticketIds.join(' '))
              : null,
          ),
        ),
      );
    }
    state.search.next = page.next;
    $('#conversations .more').hidden = !page.next;
    status.textContent = list.children.length
      ? `共显示 ${list.children.length} 个会话`
      : '没有符合条件的会话';
    // Which search the list shows: the tab's first load and a submitted search may both be in
    // flight, and only the latest lands.
    $('#conversations').dataset.loaded = query(state.search.params);
  }

  function nluText(nlu) {
    const parts = [`识别：${nlu.topic || '未识别'}`];
    if (typeof nlu.confidence === 'number') parts.push(`置信度 ${nlu.confidence.toFixed(2)}`);
    if (nlu.question) parts.push(`标准问 ${nlu.question}`);
    if (nlu.entities && nlu.entities.length) {
      parts.push(`实体 ${nlu.entities.map((e) => `${e.type}=${e.value}`).join('，')}`);
    }
    return parts.join(' · ');
  }

  async function openTranscript(ref) {
    const current = begin('transcript');
    const t = await api(`/console/api/conversations/${encodeURIComponent(ref)}`);
    if (!current()) return;
    const viewer = $('#conversations .transcript');
    $('.meta', viewer).textContent =
      `${CHANNEL_NAMES[t.channel] || t.channel} · ${t.lines.length} 条消息`;
    $('.lines', viewer).replaceChildren(
      ...t.lines.map((line) =>
        el(
          'li',
          { className: `line from-${line.from}` },
          el(
            'div',
            { className: 'line-head' },
            el('b', {}, FROM_NAMES[line.from] || line.from),
            ' ',
            el('time', {}, timeText(line.at)),
          ),
          el('p', { className: 'line-text' }, line.text),
          line.nlu ? el('p', { className: 'nlu' }, nluText(line.nlu)) : null,
        ),
      ),
    );
    viewer.dataset.ref = t.ref;
    // The address names the transcript, so it can be bookmarked or shared with a colleague.
    window.history.replaceState(null, '', `#/conversations/${encodeURIComponent(t.ref)}`);
    viewer.hidden = false;
    viewer.scrollIntoView({ block: 'nearest' });
  }

  // ---------------------------------------------------------------- tickets

  function csvHref() {
    const f = $('#tickets .ticket-filter').elements;
    return `/console/api/tickets.csv${query({ from: f.from.value, to: f.to.value })}`;
  }

  async function loadTickets() {
    const f = $('#tickets .ticket-filter').elements;
    $('#tickets .csv').setAttribute('href', csvHref());
    const current = begin('tickets');
    const data = await api(
      `/console/api/tickets${query({
        status: f.status.value,
        department: f.department.value,
        from: f.from.value,
        to: f.to.value,
      })}`,
    );
    if (!current()) return;
    const tickets = data.tickets;
    state.departments = data.departments || [];
    // The department filter offers the firm's departments, keeping the current choice.
    const chosen = f.department.value;
    f.department.replaceChildren(
      el('option', { value: '' }, '全部'),
      ...state.departments.map((d) => el('option', { value: d }, d)),
    );
    f.department.value = state.departments.includes(chosen) ? chosen : '';
    $('#tickets .ticket-list').replaceChildren(...tickets.map(ticketCard));
    $('#tickets .status').textContent = tickets.length
      ? `共 ${tickets.length} 张工单`
      : '没有符合条件的工单';
  }

  function ticketCard(t) {
    const actions = el('div', { className: 'actions' });
    const form = el('form', { className: 'action-form', hidden: true });
    const open = (action) => {
      form.replaceChildren(
        ...actionFields(action),
        el('button', { type: 'submit' }, '提交'),
        el('button', { type: 'button', onclick: () => (form.hidden = true) }, '取消'),
      );
      form.dataset.action = action;
      form.hidden = false;
    };
    const closed = t.status === 'resolved' || t.status === 'closed';
    actions.append(
      el(
        'button',
        {
          type: 'button',
          disabled: t.status !== 'open',
          onclick: () => act(t.id, { action: 'accept' }).catch(report),
        },
        '受理',
      ),
      el('button', { type: 'button', disabled: closed, onclick: () => open('note') }, '备注'),
      el('button', { type: 'button', disabled: closed, onclick: () => open('resolve') }, '办结'),
      el('button', { type: 'button', disabled: closed, onclick: () => open('transfer') }, '转派'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { action: form.dataset.action };
      for (const field of form.elements) if (field.name) body[field.name] = field.value;
      act(t.id, body).catch(report);
    });
    const who = t.complainant || {};
    return el(
      'li',
      { className: 'ticket', 'data-ticket': t.id },
      el(
        'div',
        { className: 'ticket-head' },
        el('b', {}, t.id),
        el('span', { className: 'badge' }, t.kind === 'complaint' ? '投诉' : '回电'),
        el(
          'span',
          { className: `badge ticket-status status-${t.status}` },
          STATUS_NAMES[t.status] || t.status,
        ),
        el('span', {}, t.category || '未分类'),
        el('span', { className: 'ticket-department' }, t.department || '未分配'),
      ),
      el('p', { className: 'description' }, t.description || ''),
      el(
        'p',
        { className: 'meta' },
        `登记 ${timeText(t.createdAt)}`,
        t.replyDueBy ? ` · 答复期限 ${t.replyDueBy}` : '',
        who.name ? ` · ${who.name}` : '',
        who.phone ? ` · ${who.phone}` : '',
      ),
      // The latest handling steps (already masked by the API), newest last.
      (t.handling || []).length
        ? el(
            'ol',
            { className: 'handling' },
            ...t.handling
              .slice(-5)
              .map((h) => el('li', {}, `${timeText(h.at)} ${h.by}：${h.action}`)),
          )
        : null,
      actions,
      form,
    );
  }

  function actionFields(action) {
    const text = (name, label) =>
      el('label', {}, label, el('textarea', { name, required: true, rows: 2 }));
    if (action === 'note') return [text('note', '备注')];
    if (action === 'resolve') {
      return [
        text('result', '处理结果'),
        el(
          'label',
          {},
          '原因类别',
          el('select', { name: 'cause' }, ...CAUSES.map((c) => el('option', { value: c }, c))),
        ),
        text('improvement', '改进措施'),
      ];
    }
    return [
      el(
        'label',
        {},
        '转派至部门',
        el(
          'select',
          { name: 'department', required: true },
          ...state.departments.map((d) => el('option', { value: d }, d)),
        ),
      ),
      el('label', {}, '说明', el('input', { name: 'note' })),
    ];
  }

  async function act(id, body) {
    await api(`/console/api/tickets/${encodeURIComponent(id)}/events`, {
      method: 'POST',
      body: body,
    });
    toast('已提交');
    await loadTickets();
  }

  // ---------------------------------------------------------------- what the bot missed

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Plain http on a LAN address has no clipboard API: select a hidden copy instead.
      const area = el('textarea', { className: 'offscreen' });
      area.value = text;
      document.body.append(area);
      area.select();
      const ok = document.execCommand('copy');
      area.remove();
      return ok;
    }
  }

  async function loadMissed() {
    const f = $('#missed .missed-range').elements;
    const current = begin('missed');
    const report = await api(`/console/api/missed${query({ from: f.from.value, to: f.to.value })}`);
    if (!current()) return;
    const groups = report.groups || [];
    $('#missed .summary').textContent =
      `${report.from} 至 ${report.to}：共读取 ${report.read} 条客户消息，` +
      `未识别 ${report.notUnderstood} 条，低置信度 ${report.lowConfidence} 条。`;
    const trend = (report.trend || []).filter((t) => t.share !== null);
    draw(
      'missedTrend',
      {
        grid: GRID,
        tooltip: { trigger: 'axis', valueFormatter: (v) => `${v}%` },
        xAxis: { type: 'category', data: trend.map((t) => t.day) },
        yAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
        series: [
          {
            type: 'line',
            data: trend.map((t) => Math.round(t.share * 1000) / 10),
            areaStyle: { opacity: 0.15 },
          },
        ],
      },
      !trend.length,
    );
    $('#missed .group-list').replaceChildren(...groups.map(missedGroup));
    $('#missed .status').textContent = groups.length
      ? `共 ${groups.length} 组，按出现次数排列`
      : '该时段没有未识别的问题';
  }

  function missedGroup(g) {
    const topic = g.likelyTopic
      ? `可能的主题：${g.likelyTopic}${g.likelyQuestion ? ` / ${g.likelyQuestion}` : ''}（置信度 ${g.confidence.toFixed(2)}）`
      : '可能的主题：未知';
    const target = g.snippetTarget
      ? `粘贴到 ${g.snippetTarget.file} 中 ${g.snippetTarget.question || g.snippetTarget.intent} 的 ${g.snippetTarget.under}:`
      : '没有可新增的说法（均已收录）';
    return el(
      'li',
      { className: 'group' },
      el(
        'div',
        { className: 'group-head' },
        el('strong', {}, `${g.size} 次`),
        el('span', {}, `未识别 ${g.notUnderstood} · 低置信度 ${g.lowConfidence}`),
        el('span', {}, topic),
      ),
      el('ul', { className: 'examples' }, ...g.examples.map((e) => el('li', {}, e))),
      el('p', { className: 'meta' }, target),
      g.snippet ? el('pre', { className: 'yaml' }, g.snippet) : null,
      g.snippet
        ? el(
            'button',
            {
              type: 'button',
              className: 'copy',
              onclick: async () =>
                toast((await copyText(g.snippet)) ? '已复制 YAML 片段' : '复制失败，请手动选择'),
            },
            '复制 YAML 片段',
          )
        : null,
    );
  }

  // ---------------------------------------------------------------- start

  function start() {
    setRange($('#overview .range'), 30);
    setRange($('#missed .missed-range'), 7);
    $('.sign-in-form').addEventListener('submit', (e) => signIn(e).catch(report));
    $('.sign-out').addEventListener('click', () => signOut().catch(report));
    for (const button of $$('.tabs button'))
      button.addEventListener('click', () => showTab(button.dataset.tab));
    $('#overview .range').addEventListener('submit', (e) => {
      e.preventDefault();
      loadOverview().catch(report);
    });
    for (const button of $$('#overview .presets button')) {
      button.addEventListener('click', () => {
        setRange($('#overview .range'), Number(button.dataset.days));
        loadOverview().catch(report);
      });
    }
    $('#conversations .search').addEventListener('submit', (e) => {
      e.preventDefault();
      searchConversations(false).catch(report);
    });
    $('#conversations .more').addEventListener('click', () =>
      searchConversations(true).catch(report),
    );
    $('#conversations .transcript .close').addEventListener(
      'click',
      () => ($('#conversations .transcript').hidden = true),
    );
    $('#tickets .ticket-filter').addEventListener('submit', (e) => {
      e.preventDefault();
      loadTickets().catch(report);
    });
    $('#tickets .ticket-filter').addEventListener('change', () =>
      $('#tickets .csv').setAttribute('href', csvHref()),
    );
    $('#missed .missed-range').addEventListener('submit', (e) => {
      e.preventDefault();
      loadMissed().catch(report);
    });
    window.addEventListener('hashchange', followLink);
    let resizing = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => state.charts.forEach((c) => c.resize()), 150);
    });
    fetch('/console/session', { credentials: 'same-origin' })
      .then(async (res) => (res.ok ? signedIn(await res.json()) : showSignIn('')))
      .catch(() => showSignIn('无法连接服务，请稍后刷新。'));
  }

  document.addEventListener('DOMContentLoaded', start);
})();
