/*
 * 在线客服 chat widget of the securities customer-service bot. Plain ES2019, no framework.
 * Embed in any page with one line (data-csbot-url = where the bot is served):
 *   <script src="https://bot.example.com/widget.js" data-csbot-url="https://bot.example.com" async></script>
 * Optional attributes: data-csbot-title="在线客服", data-csbot-open="true" (start opened).
 * Everything shown is set with textContent: no customer, bot or agent text is parsed as HTML.
 * The conversation id is issued by the server (never made up here) and kept in localStorage.
 */
(function () {
  'use strict';
  if (window.__csbotWidget) return;
  window.__csbotWidget = true;

  var script =
    document.currentScript ||
    (function () {
      var all = document.getElementsByTagName('script');
      for (var i = all.length - 1; i >= 0; i--) {
        if (/widget\.js(\?|$)/.test(all[i].src)) return all[i];
      }
      return null;
    })();
  function attr(name) {
    return script ? script.getAttribute(name) : null;
  }
  var base = attr('data-csbot-url');
  if (!base) base = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, '') : '';
  if (!base) base = window.location.origin;
  base = base.replace(/\/+$/, '');
  var wsBase = base.replace(/^http/, 'ws');
  // Filled in by the server that serves this file: the AI-generated-content label.
  var SETTINGS = /*csbot:settings*/ {};
  var TITLE = attr('data-csbot-title') || '在线客服';
  var ID_KEY = 'csbot.conversationId';
  var OPEN_KEY = 'csbot.open';
  var POLL_MS = 3000;

  var memoryStore = {};
  function stored(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) {
      // Storage blocked (private mode, cookies off): keep it for this page only.
      if (value === undefined) return memoryStore[key] || null;
      memoryStore[key] = value;
    }
    return value;
  }
  var conversationId = stored(ID_KEY);
  if (conversationId && !/^[A-Za-z0-9_.:@-]{1,128}$/.test(conversationId)) conversationId = null;
  /** The server names the conversation (a new one when it did not issue ours): keep its name. */
  function adoptConversationId(id) {
    if (typeof id !== 'string' || !id || id === conversationId) return;
    conversationId = id;
    stored(ID_KEY, id);
  }

  var CSS = [
    '#csbot-root,#csbot-root *{box-sizing:border-box;}',
    '#csbot-root{font-family:-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei","Noto Sans CJK SC",sans-serif;font-size:14px;line-height:1.5;color:#1f2329;}',
    '.csbot-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:#c8102e;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2);}',
    '.csbot-launcher.csbot-unread::after{content:"";display:inline-block;width:8px;height:8px;margin-left:6px;border-radius:50%;background:#ffd400;vertical-align:middle;}',
    '.csbot-panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:370px;height:560px;max-height:calc(100vh - 40px);display:flex;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25);}',
    '.csbot-panel[hidden]{display:none;}',
    '.csbot-header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#c8102e;color:#fff;}',
    '.csbot-heading{flex:1;min-width:0;}',
    '.csbot-title{font-size:16px;font-weight:600;}',
    '.csbot-ai-label{font-size:11px;opacity:.85;}',
    '.csbot-ai-label[hidden]{display:none;}',
    '.csbot-status{font-size:12px;opacity:.9;}',
    '.csbot-close{border:0;background:transparent;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:0 4px;}',
    '.csbot-log{flex:1;overflow-y:auto;padding:12px;background:#f5f6f7;}',
    '.csbot-msg{display:flex;flex-direction:column;margin:8px 0;}',
    '.csbot-msg.csbot-customer{align-items:flex-end;}',
    '.csbot-msg.csbot-bot,.csbot-msg.csbot-agent{align-items:flex-start;}',
    '.csbot-msg.csbot-system{align-items:center;}',
    '.csbot-name{font-size:12px;color:#8f959e;margin:0 4px 2px;}',
    '.csbot-bubble{max-width:85%;padding:8px 12px;border-radius:10px;white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #e5e6eb;}',
    '.csbot-customer .csbot-bubble{background:#c8102e;color:#fff;border-color:#c8102e;}',
    '.csbot-agent .csbot-bubble{background:#eef5ff;border-color:#cfe0fb;}',
    '.csbot-system .csbot-bubble{background:transparent;border:0;color:#8f959e;font-size:12px;text-align:center;}',
    '.csbot-pending .csbot-bubble{opacity:.6;}',
    '.csbot-quick{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px;max-width:95%;}',
    '.csbot-quick button{border:1px solid #c8102e;background:#fff;color:#c8102e;border-radius:16px;padding:5px 12px;font-size:13px;cursor:pointer;}',
    '.csbot-quick button:disabled{border-color:#d0d3d6;color:#a0a4a8;cursor:default;}',
    '.csbot-typing{padding:0 14px 6px;font-size:12px;color:#8f959e;background:#f5f6f7;}',
    '.csbot-typing[hidden]{display:none;}',
    '.csbot-form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e6eb;background:#fff;}',
    '.csbot-input{flex:1;min-width:0;border:1px solid #d0d3d6;border-radius:8px;padding:8px 10px;font:inherit;font-size:16px;resize:none;height:40px;}',
    '.csbot-send{border:0;border-radius:8px;padding:0 16px;background:#c8102e;color:#fff;font-size:15px;cursor:pointer;}',
    '.csbot-send:disabled{background:#e3a0aa;cursor:default;}',
    '@media (max-width:480px){.csbot-panel{left:0;right:0;top:0;bottom:0;width:auto;height:auto;max-height:none;border-radius:0;}.csbot-launcher{right:12px;bottom:12px;}}',
  ].join('\n');

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var style = el('style');
  style.textContent = CSS;
  var root = el('div');
  root.id = 'csbot-root';
  var launcher = el('button', 'csbot-launcher', '💬 ' + TITLE);
  launcher.type = 'button';
  var panel = el('div', 'csbot-panel');
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', TITLE);
  panel.hidden = true;
  var header = el('div', 'csbot-header');
  var heading = el('div', 'csbot-heading');
  var title = el('div', 'csbot-title', TITLE);
  // The AI label of the 标识办法: the customer knows from the start who is answering.
  var aiLabel = el('div', 'csbot-ai-label', SETTINGS.aiLabel ? String(SETTINGS.aiLabel) : '');
  aiLabel.hidden = !SETTINGS.aiLabel;
  heading.appendChild(title);
  heading.appendChild(aiLabel);
  var status = el('div', 'csbot-status', '');
  var close = el('button', 'csbot-close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', '关闭');
  header.appendChild(heading);
  header.appendChild(status);
  header.appendChild(close);
  var log = el('div', 'csbot-log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  var typing = el('div', 'csbot-typing', '客服正在输入…');
  typing.hidden = true;
  var form = el('form', 'csbot-form');
  var input = el('textarea', 'csbot-input');
  input.setAttribute('placeholder', '请输入您的问题…');
  input.setAttribute('aria-label', '请输入您的问题');
  input.rows = 1;
  var send = el('button', 'csbot-send', '发送');
  send.type = 'submit';
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  var ERROR_TEXT = {
    rate_limited: '您发送得太快了，请稍候几秒再试。',
    text_too_long: '对不起，消息太长了，请精简后再发送。',
  };
  function errorText(error) {
    if (error && ERROR_TEXT[error.code]) return ERROR_TEXT[error.code];
    if (error && error.code === 'internal_error' && error.message) return error.message;
    return '对不起，消息发送失败，请稍后再试。';
  }

  // ---- rendering -------------------------------------------------------------------------

  function atBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }
  function disableOldChoices() {
    var buttons = log.querySelectorAll('.csbot-quick button');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }
  function render(message, pending) {
    var stick = atBottom();
    var direction = message.direction || 'bot';
    if (direction !== 'customer' && direction !== 'agent' && direction !== 'system') {
      direction = 'bot';
    }
    if (message.type === 'event') direction = 'system';
    var row = el('div', 'csbot-msg csbot-' + direction + (pending ? ' csbot-pending' : ''));
    row.setAttribute('data-direction', direction);
    row.setAttribute('data-text', String(message.text));
    if (direction === 'agent')
      row.appendChild(
        el('div', 'csbot-name', message.agent ? '人工客服 · ' + message.agent : '人工客服'),
      );
    row.appendChild(el('div', 'csbot-bubble', String(message.text)));
    // Offered choices stay usable until the customer answers: all the buttons of one reply (an
    // answer's related topics and the form question that follows it) can be tapped.
    if (direction === 'customer') disableOldChoices();
    if (message.type === 'choices' && message.quickReplies && message.quickReplies.length) {
      var quick = el('div', 'csbot-quick');
      message.quickReplies.forEach(function (reply) {
        var button = el('button', '', String(reply.label));
        button.type = 'button';
        button.addEventListener('click', function () {
          disableOldChoices();
          sendTurn(
            { choice: { value: String(reply.value), label: String(reply.label) } },
            String(reply.label),
          );
        });
        quick.appendChild(button);
      });
      row.appendChild(quick);
    }
    log.appendChild(row);
    if (stick || direction === 'customer') log.scrollTop = log.scrollHeight;
    if (panel.hidden && direction !== 'customer') launcher.classList.add('csbot-unread');
    return row;
  }
  function renderAll(messages) {
    while (log.firstChild) log.removeChild(log.firstChild);
    messages.forEach(function (m) {
      render(m, false);
    });
    log.scrollTop = log.scrollHeight;
  }
  function systemLine(text) {
    render({ direction: 'system', type: 'text', text: text }, false);
  }
  function setTyping(active) {
    typing.hidden = !active;
    if (active && atBottom()) log.scrollTop = log.scrollHeight;
  }
  function setStatus(text) {
    status.textContent = text;
  }

  // ---- transport: WebSocket first, REST polling as the fallback ----------------------------

  var socket = null;
  var connecting = false;
  var wsFailures = 0;
  var reconnectTimer = null;
  var polling = false;
  var pollTimer = null;
  var cursor = 0;
  var needFullHistory = true;
  var started = false;
  var connected = false;

  function messageId() {
    return 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  }

  function connect() {
    if (connecting || (socket && socket.readyState === 1)) return;
    if (!('WebSocket' in window)) return startPolling();
    connecting = true;
    var ws;
    try {
      ws = new WebSocket(
        wsBase +
          '/api/web/ws' +
          (conversationId ? '?conversationId=' + encodeURIComponent(conversationId) : ''),
      );
    } catch (e) {
      connecting = false;
      wsFailures++;
      return startPolling();
    }
    var opened = false;
    ws.onopen = function () {
      opened = true;
      connecting = false;
      wsFailures = 0;
      socket = ws;
      stopPolling();
      setStatus('');
    };
    ws.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      onFrame(frame);
    };
    ws.onclose = function () {
      connecting = false;
      if (socket === ws) socket = null;
      if (!opened) wsFailures++;
      setTyping(false);
      if (wsFailures >= 2) startPolling();
      else setStatus('连接中…');
      scheduleReconnect();
    };
    ws.onerror = function () {
      // A close event follows; reconnecting is handled there.
    };
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    var delay = polling ? 30000 : Math.min(15000, 1000 * Math.pow(2, wsFailures));
    reconnectTimer = setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function onFrame(frame) {
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.type === 'history') {
      connected = true;
      adoptConversationId(frame.conversationId);
      renderAll(frame.messages || []);
      if (typeof frame.cursor === 'number') cursor = frame.cursor;
      needFullHistory = false;
      maybeStart(frame.messages || []);
    } else if (frame.type === 'messages') {
      setTyping(false);
      (frame.messages || []).forEach(function (m) {
        render(m, false);
      });
    } else if (frame.type === 'typing') {
      setTyping(!!frame.active);
    } else if (frame.type === 'error') {
      setTyping(false);
      systemLine(errorText(frame.error));
    }
  }

  function maybeStart(history) {
    if (started || history.length > 0) return;
    started = true;
    sendTurn({ event: 'conversation_start' }, null);
  }

  function startPolling() {
    if (polling) return;
    polling = true;
    needFullHistory = true;
    setStatus('网络不稳定，已切换为普通模式');
    poll();
  }
  function stopPolling() {
    polling = false;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function request(method, path, body) {
    return fetch(base + path, {
      method: method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    }).then(function (response) {
      return response.json().then(
        function (data) {
          return { status: response.status, data: data };
        },
        function () {
          return { status: response.status, data: null };
        },
      );
    });
  }

  /** Every history page after `after` (the server sends at most a page per request). */
  function fetchHistory(after, collected) {
    return request(
      'GET',
      '/api/web/messages?conversationId=' + encodeURIComponent(conversationId) + '&after=' + after,
    ).then(function (result) {
      if (result.status !== 200 || !result.data) return null;
      var messages = collected.concat(result.data.messages || []);
      var next = result.data.cursor || after;
      if (result.data.more && next > after) return fetchHistory(next, messages);
      return { messages: messages, cursor: next };
    });
  }

  /** In polling mode the transcript is the truth: pending lines are replaced by stored ones. */
  function poll() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    var after = needFullHistory ? 0 : cursor;
    // A new visitor has no conversation yet: the server issues one with the first message.
    var read = conversationId
      ? fetchHistory(after, [])
      : Promise.resolve({ messages: [], cursor: 0 });
    return read
      .then(function (result) {
        if (!result) return;
        var messages = result.messages;
        if (needFullHistory) {
          connected = true;
          renderAll(messages);
          needFullHistory = false;
          maybeStart(messages);
        } else {
          messages.forEach(function (m) {
            if (!replacePending(m)) render(m, false);
          });
        }
        cursor = result.cursor || cursor;
      })
      .catch(function () {
        setStatus('网络连接中断，正在重试…');
      })
      .then(function () {
        if (polling) pollTimer = setTimeout(poll, POLL_MS);
      });
  }

  function replacePending(message) {
    var rows = log.querySelectorAll('.csbot-pending');
    var direction = message.type === 'event' ? 'system' : message.direction;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (
        row.getAttribute('data-direction') === direction &&
        row.getAttribute('data-text') === String(message.text)
      ) {
        row.classList.remove('csbot-pending');
        return true;
      }
    }
    return false;
  }

  /** One customer turn; `shown` is what the customer's own bubble says (null for events). */
  function sendTurn(fields, shown) {
    var id = messageId();
    if (shown !== null) render({ direction: 'customer', type: 'text', text: shown }, polling);
    if (socket && socket.readyState === 1) {
      var frame = { messageId: id };
      if (fields.text !== undefined) {
        frame.type = 'message';
        frame.text = fields.text;
      } else if (fields.choice) {
        frame.type = 'choice';
        frame.value = fields.choice.value;
        frame.label = fields.choice.label;
      } else {
        frame.type = 'start';
      }
      socket.send(JSON.stringify(frame));
      return;
    }
    var body = { messageId: id };
    if (conversationId) body.conversationId = conversationId;
    Object.keys(fields).forEach(function (key) {
      body[key] = fields[key];
    });
    setTyping(true);
    postTurn(body, 1);
  }

  function postTurn(body, retries) {
    request('POST', '/api/web/messages', body)
      .then(function (result) {
        setTyping(false);
        if (result.status !== 200 || !result.data) {
          systemLine(errorText(result.data && result.data.error));
          return;
        }
        var issued = result.data.conversationId;
        if (issued && issued !== body.conversationId) {
          // A new conversation: its history starts here, so polling reads it from the start.
          adoptConversationId(issued);
          body.conversationId = issued;
          cursor = 0;
        }
        (result.data.messages || []).forEach(function (m) {
          render(
            {
              direction: m.from || 'bot',
              type: m.type,
              text: m.text,
              quickReplies: m.quickReplies,
            },
            polling,
          );
        });
        if (polling) poll();
      })
      .catch(function () {
        // The same messageId lets the bot drop the retry if the first attempt did arrive.
        if (retries > 0) {
          setTimeout(function () {
            postTurn(body, retries - 1);
          }, 1000);
          return;
        }
        setTyping(false);
        systemLine('对不起，网络异常，消息未能发送，请稍后再试。');
      });
  }

  // ---- wiring ----------------------------------------------------------------------------

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.classList.remove('csbot-unread');
    stored(OPEN_KEY, '1');
    if (!connected) connect();
    input.focus();
  }
  function hide() {
    panel.hidden = true;
    launcher.hidden = false;
    stored(OPEN_KEY, '0');
  }
  launcher.addEventListener('click', open);
  close.addEventListener('click', hide);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    sendTurn({ text: text }, text);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });

  function mount() {
    document.head.appendChild(style);
    document.body.appendChild(root);
    if (attr('data-csbot-open') === 'true' || stored(OPEN_KEY) === '1') open();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
