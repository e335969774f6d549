// "Copiar código": the Pix copia-e-cola and the boleto's digitable line to the clipboard, with a confirmation
// written into the button's status region (role=status, aria-live=polite: screen readers announce it).
// Without JavaScript the buttons stay hidden; the code is still on the page to select.
(() => {
  'use strict';

  function statusOf(button) {
    const row = button.closest('.copy-row');
    return row ? row.querySelector('.copy-status') : null;
  }

  async function copy(button) {
    const source = button.dataset.copyFrom ? document.getElementById(button.dataset.copyFrom) : null;
    const text = source ? source.value || source.textContent : button.dataset.copy;
    const status = statusOf(button);
    try {
      await navigator.clipboard.writeText(text.trim());
      if (status) status.textContent = button.dataset.copied || 'Copiado.';
    } catch (error) {
      if (source && source.select) source.select();
      if (status) status.textContent = 'Não foi possível copiar: selecione o código e copie manualmente.';
    }
  }

  document.querySelectorAll('[data-copy], [data-copy-from]').forEach((button) => {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', () => copy(button));
  });
})();
