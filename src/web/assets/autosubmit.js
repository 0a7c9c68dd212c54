// Submits a form marked data-autosubmit as soon as the page loads; without JavaScript, its button does it.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form[data-autosubmit]');
  if (form) form.submit();
});
