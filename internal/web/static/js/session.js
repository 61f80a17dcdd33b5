// Idle-logout countdown for logged-in pages, with the [로그인 연장] (extend
// login) button. The server renders the seconds left in
// data-session-remaining; this module counts down, warns in the last five
// minutes, sends the user home when time is up, and extends the session
// with POST /session/extend (CSRF token from <meta name="csrf-token">).

const box = document.querySelector("[data-session-remaining]");
if (box) {
  const timeEl = box.querySelector("[data-session-time]");
  const button = box.querySelector("[data-session-extend]");
  let end = Date.now() + Number(box.dataset.sessionRemaining) * 1000;

  const format = (s) => {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return `${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`;
  };

  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    timeEl.textContent = format(left);
    timeEl.classList.toggle("gw-warn", left <= 300);
    if (left === 0) {
      clearInterval(timer);
      window.location.assign("/?msg=session_expired");
    }
  };
  const timer = setInterval(tick, 1000);
  tick();

  button?.addEventListener("click", async () => {
    const token = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
    button.disabled = true;
    try {
      const res = await fetch("/session/extend", {
        method: "POST",
        headers: { "X-CSRF-Token": token, Accept: "application/json" },
        credentials: "same-origin",
      });
      if (res.status === 401) {
        window.location.assign("/?msg=session_expired");
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = await res.json();
      end = Date.now() + body.remainingSeconds * 1000;
      tick();
    } catch (err) {
      console.error("session extend failed", err);
    } finally {
      button.disabled = false;
    }
  });
}
