// Improves the card form when JavaScript runs: groups the digits, names the brand, and checks
// number, expiry and security code before the form is sent. The server checks everything again.
(() => {
  const form = document.querySelector('form.card-form');
  if (!form) return;
  const messages = JSON.parse(form.dataset.messages || '{}');
  const number = form.querySelector('#number');
  const expiry = form.querySelector('#expiry');
  const cvc = form.querySelector('#cvc');
  const brandHint = form.querySelector('#brand');

  const digits = (text) => text.replace(/\D/g, '');
  const luhn = (pan) => {
    let sum = 0;
    let double = false;
    for (let i = pan.length - 1; i >= 0; i--) {
      let d = Number(pan[i]);
      if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
      double = !double;
    }
    return sum % 10 === 0;
  };
  const brandOf = (pan) => {
    if (/^4/.test(pan)) return 'Visa';
    if (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720))/.test(pan)) return 'Mastercard';
    if (/^3[47]/.test(pan)) return 'American Express';
    return '';
  };
  const cvcLength = (pan) => (/^3[47]/.test(pan) ? 4 : 3);

  function showError(input, message) {
    const id = `${input.id}-client-error`;
    let note = document.getElementById(id);
    if (!message) {
      input.removeAttribute('aria-invalid');
      note?.remove();
      return true;
    }
    input.setAttribute('aria-invalid', 'true');
    if (!note) {
      note = document.createElement('p');
      note.id = id;
      note.className = 'field-error';
      note.setAttribute('role', 'alert');
      input.after(note);
      input.setAttribute('aria-describedby', id);
    }
    note.textContent = message;
    return false;
  }

  const checks = {
    number: () => {
      const pan = digits(number.value);
      return showError(number, pan.length >= 13 && pan.length <= 19 && luhn(pan) ? '' : messages.number);
    },
    expiry: () => {
      const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry.value);
      const month = match ? Number(match[1]) : 0;
      return showError(expiry, month >= 1 && month <= 12 ? '' : messages.expiry);
    },
    cvc: () =>
      showError(cvc, digits(cvc.value).length === cvcLength(digits(number.value)) ? '' : messages.cvc),
  };

  number.addEventListener('input', () => {
    const pan = digits(number.value).slice(0, 19);
    number.value = pan.replace(/(\d{4})(?=\d)/g, '$1 ');
    brandHint.textContent = brandOf(pan);
  });
  number.addEventListener('blur', checks.number);
  expiry.addEventListener('blur', checks.expiry);
  cvc.addEventListener('blur', checks.cvc);
  form.addEventListener('submit', (event) => {
    const results = [checks.number(), checks.expiry(), checks.cvc()];
    if (results.includes(false)) {
      event.preventDefault();
      form.querySelector('[aria-invalid="true"]')?.focus();
    }
  });
})();
