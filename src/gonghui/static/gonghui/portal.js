/* Workers' pages: the 获取验证码 button counts down after a code was sent. No build step. */
(function () {
  "use strict";
  function countDown(button) {
    var left = parseInt(button.dataset.cooldown, 10);
    var label = button.textContent;
    if (!(left > 0)) return;
    button.disabled = true;
    var tick = function () {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        return;
      }
      button.textContent = left + " s";
      left -= 1;
      window.setTimeout(tick, 1000);
    };
    tick();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-cooldown]").forEach(countDown);
  });
})();
