// Trợ lý Doanh nghiệp — web chat and kiosk page. Bot text is plain text: never innerHTML.
(() => {
  "use strict";

  const TEXT = {
    vi: {
      title: "Trợ lý Doanh nghiệp",
      conversation: "Cuộc trò chuyện",
      label: "Câu hỏi của bạn",
      placeholder: "Nhập câu hỏi của bạn…",
      send: "Gửi",
      typing: "Trợ lý đang trả lời…",
      send_failed: "Không gửi được, thử lại.",
      retry: "Thử lại",
      over: (n, max) => `Dài quá ${n} ký tự (tối đa ${max} ký tự): hãy rút gọn rồi gửi.`,
      download: "Tải tệp",
      attach: "Đính kèm ảnh hoặc tệp PDF",
      file_too_big: (mb) => `Tệp lớn quá (tối đa ${mb} MB): bạn chọn ảnh nhỏ hơn hoặc tệp PDF khác nhé.`,
      menu_ask: "Hỏi thủ tục",
      menu_petition: "Gửi phản ánh, kiến nghị",
      menu_booking: "Đăng ký gặp Chủ tịch tỉnh",
      menu_help: "Hướng dẫn",
      restart: "Làm lại từ đầu",
      erase: "Xóa thông tin của tôi",
      erased: "Đã xóa thông tin bạn nhập trên màn hình này.",
      qr_alt: "Mã QR để tiếp tục trên điện thoại",
      qr_caption: "Quét để tiếp tục trên điện thoại",
      countdown: (s) => `Màn hình sẽ làm mới sau ${s} giây. Chạm vào màn hình để tiếp tục.`,
    },
    en: {
      title: "Business Assistant",
      conversation: "Conversation",
      label: "Your question",
      placeholder: "Type your question…",
      send: "Send",
      typing: "The assistant is replying…",
      send_failed: "Could not send, try again.",
      retry: "Try again",
      over: (n, max) => `${n} characters too long (at most ${max}): shorten it, then send.`,
      download: "Download",
      attach: "Attach a photo or PDF",
      file_too_big: (mb) => `This file is too large (at most ${mb} MB): choose a smaller photo or another PDF.`,
      menu_ask: "Ask about a procedure",
      menu_petition: "Send feedback or a request",
      menu_booking: "Meet the Chairman",
      menu_help: "Help",
      restart: "Start again",
      erase: "Erase my details",
      erased: "What you entered on this screen has been erased.",
      qr_alt: "QR code to continue on your phone",
      qr_caption: "Scan to continue on your phone",
      countdown: (s) => `The screen resets in ${s} s. Touch the screen to continue.`,
    },
  };
  const SESSION_RE = /^[A-Za-z0-9_-]{1,64}$/;
  const URL_RE = /https?:\/\/[^\s<>"']+/g;
  const POLL_MS = 15000;
  // While an officer is (or is about to be) in the conversation, their messages come sooner.
  const LIVE_POLL_MS = 2000;
  const COUNTDOWN_FROM = 15;

  const body = document.body;
  const kiosk = body.dataset.kiosk === "1";
  // The kiosk says so with every message: the assistant then points at its buttons.
  const door = kiosk ? { door: "kiosk" } : {};
  const idleSeconds = Number(body.dataset.idle) || 120;
  const maxChars = Number(body.dataset.maxChars) || 1000;
  const defaultLocale = body.dataset.locale === "en" ? "en" : "vi";
  const list = document.getElementById("messages");
  const conversation = document.getElementById("conversation");
  const form = document.getElementById("composer");
  const input = document.getElementById("question");
  const counter = document.getElementById("counter");
  const countdown = document.getElementById("countdown");
  const qr = document.getElementById("continue-qr");
  const attach = document.getElementById("attach");
  const fileInput = document.getElementById("attach-file");

  const storage = (() => {
    if (kiosk) return null; // a kiosk is shared: nothing survives a reset
    try {
      const probe = "troly.probe";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (_) {
      return null;
    }
  })();

  function randomId(bytes) {
    const buffer = new Uint8Array(bytes);
    window.crypto.getRandomValues(buffer);
    return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function loadSession() {
    const saved = storage && storage.getItem("troly.session");
    if (saved && SESSION_RE.test(saved)) return saved;
    const fresh = randomId(16);
    if (storage) storage.setItem("troly.session", fresh);
    return fresh;
  }

  let session = loadSession();
  // A link's ?lang= wins over what this browser remembered; else the remembered language,
  // else the one the server chose from Accept-Language.
  const asked = body.dataset.localeAsked === "1";
  const remembered = storage && storage.getItem("troly.locale");
  let locale = (!asked && remembered) || defaultLocale;
  if (!(locale in TEXT)) locale = defaultLocale;
  // A conversation this browser started in the other language is switched, not restarted.
  const switchConversation = asked && remembered && remembered !== locale;
  if (storage) storage.setItem("troly.locale", locale);
  let lastProcedure = "";
  let lastActivity = Date.now();
  let armed = false; // the kiosk idle timer runs only once someone has used the screen
  let inFlight = 0;
  let fileLimitMb = 0; // set while the conversation's step takes files (the 📎 button shows)
  let live = false; // a person is in (or joining) the conversation: poll often
  let lastPoll = Date.now();

  const t = (key) => TEXT[locale][key] || TEXT.vi[key] || key;
  const tiles = new Set(
    Array.from(document.querySelectorAll(".menu [data-choice]"), (tile) => tile.dataset.choice),
  );
  // Code points, as the server counts them (a JS string's length counts UTF-16 units).
  const charCount = (text) => Array.from(text).length;
  // Phones and touch screens send with the button: their Enter key makes a new line.
  const enterSends = !window.matchMedia("(pointer: coarse)").matches;

  function followLocale(next) {
    if (!(next in TEXT) || next === locale) return;
    locale = next;
    if (storage) storage.setItem("troly.locale", locale);
    applyLocale();
  }

  function updateCounter() {
    const over = charCount(input.value.trim()) - maxChars;
    counter.hidden = over <= 0;
    counter.textContent = over > 0 ? TEXT[locale].over(over, maxChars) : "";
    input.setAttribute("aria-invalid", String(over > 0));
    return over <= 0;
  }

  function fitInput() {
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
  }

  function applyLocale() {
    document.documentElement.lang = locale;
    document.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
    document.querySelectorAll("[data-i18n-attr]").forEach((el) => {
      const [attr, key] = el.dataset.i18nAttr.split(":");
      el.setAttribute(attr, t(key));
    });
    document.querySelectorAll("[data-lang]").forEach((el) => {
      el.setAttribute("aria-pressed", String(el.dataset.lang === locale));
    });
    document.querySelectorAll("[data-province-en]").forEach((el) => {
      el.textContent = locale === "en" ? el.dataset.provinceEn : el.dataset.provinceVi;
    });
    updateCounter();
  }

  function safeUrl(raw) {
    try {
      const url = new URL(raw, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function appendLinkified(parent, text) {
    let position = 0;
    for (const match of text.matchAll(URL_RE)) {
      const url = match[0].replace(/[.,;:!?)\]}]+$/, "");
      const href = safeUrl(url);
      if (!href) continue;
      parent.append(document.createTextNode(text.slice(position, match.index)));
      const link = document.createElement("a");
      link.href = href;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.append(link);
      position = match.index + url.length;
    }
    parent.append(document.createTextNode(text.slice(position)));
  }

  function scrollToEnd() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  function showTopOf(item) {
    // A reply taller than the view is read from its top (the procedure's name), not its end.
    if (item.offsetHeight <= conversation.clientHeight) return scrollToEnd();
    const top = item.getBoundingClientRect().top - conversation.getBoundingClientRect().top;
    conversation.scrollTop += top - 8;
  }

  function addBubble(who, text) {
    const item = document.createElement("li");
    item.className = `message ${who}`;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (who === "bot") appendLinkified(bubble, text);
    else bubble.textContent = text;
    item.append(bubble);
    list.append(item);
    scrollToEnd();
    return item;
  }

  function documentLink(doc) {
    const bytes = Uint8Array.from(window.atob(doc.data_base64), (c) => c.charCodeAt(0));
    const blob = new Blob([bytes], { type: doc.mime_type || "application/octet-stream" });
    const link = document.createElement("a");
    link.className = "document";
    link.href = URL.createObjectURL(blob);
    link.download = doc.filename;
    link.textContent = `${t("download")}: ${doc.filename}`;
    link.dataset.testid = "document";
    return link;
  }

  function renderReply(reply) {
    // A card tells which procedure it shows, so the kiosk QR can continue on it.
    const shown = /^procedure:([0-9A-Za-z][0-9A-Za-z._-]{0,39})$/.exec(reply.kind || "");
    if (shown) setProcedure(shown[1]);
    const kind = reply.kind || "";
    if (kind.startsWith("handoff:")) live = !["handoff:ended", "handoff:closed"].includes(kind);
    const item = addBubble("bot", reply.text || "");
    if (reply.document) item.firstChild.append(document.createElement("br"), documentLink(reply.document));
    const buttons = reply.buttons || [];
    if (buttons.length) {
      const group = document.createElement("div");
      group.className = "buttons";
      // The kiosk's common topics come as tiles: a grid of big buttons above the others.
      const tileGroup = document.createElement("div");
      tileGroup.className = "tiles";
      tileGroup.dataset.testid = "tiles";
      for (const spec of buttons) {
        if (spec.url) {
          const href = safeUrl(spec.url);
          if (!href) continue;
          const link = document.createElement("a");
          link.className = "reply-button link";
          link.href = href;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          link.textContent = spec.label;
          link.dataset.testid = "reply-button";
          group.append(link);
        } else if (spec.choice) {
          // One menu on the kiosk: its tiles, not the same choices again under a reply.
          if (kiosk && tiles.has(spec.choice)) continue;
          const tile = spec.choice.startsWith("tile:");
          const button = document.createElement("button");
          button.type = "button";
          button.className = tile ? "reply-button tile" : "reply-button";
          button.textContent = spec.label;
          button.dataset.choice = spec.choice;
          button.dataset.testid = tile ? "tile" : "reply-button";
          button.addEventListener("click", () => send({ choice: spec.choice }, spec.label));
          (tile ? tileGroup : group).append(button);
        }
      }
      if (tileGroup.childElementCount) item.append(tileGroup);
      if (group.childElementCount) item.append(group);
    }
    showTopOf(item);
  }

  function errorText(message) {
    // The server's errors are "Vietnamese / English"; show the half in the page's language.
    const cut = message.indexOf(" / ");
    if (cut < 0) return message;
    return locale === "en" ? message.slice(cut + 3) : message.slice(0, cut);
  }

  function showFailure(text, retry) {
    const item = addBubble("error", text);
    item.dataset.testid = "error";
    if (retry) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "reply-button";
      button.textContent = t("retry");
      button.addEventListener("click", () => {
        item.remove();
        retry();
      });
      item.append(button);
    }
  }

  function setProcedure(code) {
    lastProcedure = code;
    if (qr) qr.src = `/qr/continue.png?p=${encodeURIComponent(lastProcedure)}`;
  }

  function rememberProcedure(choice) {
    const match = /^proc:([0-9A-Za-z][0-9A-Za-z._-]{0,39})(?::[a-z_]+)?$/.exec(choice || "");
    if (match) setProcedure(match[1]);
  }

  // The bot says which steps take files (a petition's photos): the 📎 button follows it.
  function followFiles(files) {
    fileLimitMb = files && files.room > 0 ? Number(files.max_mb) || 0 : 0;
    attach.hidden = fileLimitMb === 0;
  }

  // typed: what the person wrote in the box for this message, given back to the box when
  // the server turns the message away for now (429: too many too fast), to send again.
  async function exchange(url, init, forSession, typed) {
    inFlight += 1;
    const typing = addBubble("typing", t("typing"));
    const again = () => exchange(url, init, forSession, typed);
    try {
      const response = await fetch(url, { method: "POST", ...init });
      const data = await response.json().catch(() => ({}));
      if (forSession !== session) return; // the kiosk was reset meanwhile
      if (!response.ok) {
        const limited = response.status === 429;
        if (limited && typed && !input.value.trim()) {
          input.value = typed;
          fitInput();
          updateCounter();
        }
        const retryable = response.status >= 500 || (limited && !typed);
        showFailure(data.error ? errorText(data.error) : t("send_failed"), retryable ? again : null);
        return;
      }
      // The conversation's language may have changed (the bot's "🌐 English" button, /en).
      if (data.locale) followLocale(data.locale);
      followFiles(data.files);
      (data.replies || []).forEach(renderReply);
      lastActivity = Date.now();
    } catch (_) {
      if (forSession === session) showFailure(t("send_failed"), again);
    } finally {
      inFlight -= 1;
      typing.remove();
    }
  }

  function post(payload, forSession, typed) {
    const init = { headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) };
    return exchange("/api/chat", init, forSession, typed);
  }

  function sendFile(file) {
    if (fileLimitMb && file.size > fileLimitMb * 1024 * 1024) {
      showFailure(TEXT[locale].file_too_big(fileLimitMb), null);
      return;
    }
    // The text in the box goes with the file as its caption.
    const caption = input.value.trim();
    if (!updateCounter()) return;
    input.value = "";
    fitInput();
    updateCounter();
    addBubble("user", caption ? `📎 ${file.name}\n${caption}` : `📎 ${file.name}`);
    // The session is the user's only credential: in the body, as for every message.
    const form = new FormData();
    form.append("session", session);
    form.append("locale", locale);
    form.append("mid", randomId(12));
    if (kiosk) form.append("door", "kiosk");
    if (caption) form.append("text", caption);
    form.append("file", file, file.name);
    armed = true;
    lastActivity = Date.now();
    exchange("/api/chat/file", { body: form }, session, caption || null);
  }

  function send(message, echo, typed) {
    if (echo) addBubble("user", echo);
    rememberProcedure(message.choice);
    // The same mid on a retry lets the server drop a message it already handled.
    const payload = { session, locale, mid: randomId(12), ...door, ...message };
    if (echo) armed = true;
    lastActivity = Date.now();
    post(payload, session, typed || null);
  }

  async function poll() {
    if (document.hidden || inFlight) return;
    lastPoll = Date.now();
    const forSession = session;
    try {
      // The session is the user's only credential: it goes in the body, never in a URL.
      const response = await fetch("/api/chat/pending", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session }),
      });
      if (!response.ok || forSession !== session) return;
      const data = await response.json();
      (data.replies || []).forEach(renderReply);
    } catch (_) {
      // Offline for a moment; the next poll tries again.
    }
  }

  function tellServer(choice) {
    // Fire and forget, and kept alive while the page goes away (the person left the kiosk).
    const payload = { session, locale, mid: randomId(12), ...door, choice };
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      keepalive: true,
    }).catch(() => {});
  }

  function forgetHere() {
    // The person at the kiosk has gone: the officer is told, rather than writing to nobody,
    // and what they typed is dropped on the server at once, not left for the next person.
    if (live) tellServer("hb:leave");
    tellServer("forget");
  }

  function resetKiosk(notice) {
    forgetHere();
    session = randomId(16);
    live = false;
    lastProcedure = "";
    armed = false;
    list.replaceChildren();
    input.value = "";
    fitInput();
    if (qr) qr.src = "/qr/continue.png";
    if (countdown) countdown.hidden = true;
    followFiles(null);
    locale = defaultLocale;
    applyLocale();
    if (notice) addBubble("bot", notice);
    send({ choice: "start" }, null);
  }

  function tick() {
    if (!armed) return;
    const left = Math.ceil(idleSeconds - (Date.now() - lastActivity) / 1000);
    if (left <= 0) {
      resetKiosk();
    } else if (left <= COUNTDOWN_FROM) {
      countdown.textContent = TEXT[locale].countdown(left);
      countdown.hidden = false;
    } else {
      countdown.hidden = true;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !updateCounter()) {
      input.focus();
      return;
    }
    input.value = "";
    fitInput();
    updateCounter();
    send({ text }, text, text);
    input.focus();
  });

  attach.addEventListener("click", () => fileInput.click());

  fileInput.addEventListener("change", () => {
    const [file] = fileInput.files || [];
    fileInput.value = ""; // the same file may be chosen again after a refusal
    if (file) sendFile(file);
  });

  input.addEventListener("input", () => {
    fitInput();
    updateCounter();
  });

  input.addEventListener("keydown", (event) => {
    // Shift+Enter is a new line; Enter while an input method composes (Telex) is not a send.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || !enterSends) return;
    event.preventDefault();
    form.requestSubmit();
  });

  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.addEventListener("click", () => {
      if (button.dataset.lang === locale) return;
      followLocale(button.dataset.lang);
      if (kiosk) armed = true;
      send({ choice: `lang:${locale}` }, null);
    });
  });

  document.querySelectorAll(".menu [data-choice]").forEach((button) => {
    const label = button.querySelector("[data-i18n]") || button;
    button.addEventListener("click", () => send({ choice: button.dataset.choice }, label.textContent.trim()));
  });

  document.querySelectorAll("[data-action]").forEach((button) => {
    button.addEventListener("click", () => {
      resetKiosk(button.dataset.action === "erase" ? t("erased") : null);
    });
  });

  if (kiosk) {
    // Leaving the page (closed, reloaded, navigated away) drops what was typed right away.
    window.addEventListener("pagehide", forgetHere);
    for (const name of ["pointerdown", "keydown", "input", "touchstart", "wheel"]) {
      document.addEventListener(name, () => {
        lastActivity = Date.now();
        if (countdown) countdown.hidden = true;
      }, { passive: true });
    }
    window.setInterval(tick, 250);
  }

  applyLocale();
  const opening = body.dataset.procedure;
  if (switchConversation) send({ choice: `lang:${locale}` }, null);
  if (opening) send({ choice: `proc:${opening}` }, null);
  else if (!switchConversation) send({ choice: "start" }, null);
  window.setInterval(() => {
    if (live || Date.now() - lastPoll >= POLL_MS) poll();
  }, LIVE_POLL_MS);
  if (!kiosk) input.focus();
})();
