// Small enhancements only: every page works without this file.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-copy]');
  if (!button) return;
  const input = document.getElementById(button.getAttribute('data-copy'));
  if (!input) return;
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand('copy');
  }
  const label = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
});

// The message page's read receipt. A GET marks nothing read (a link preview or a prefetch is not a
// reader), so the page says it was read once it is shown, through the API with the session's CSRF token.
// Should the request fail, the button still says "Mark read": the reader sees it and can press it.
const receipt = document.querySelector('form[data-read-receipt]');
if (receipt) {
  const send = () => {
    const button = receipt.querySelector('button[name="seen"]');
    fetch(receipt.getAttribute('data-read-receipt'), {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': receipt.querySelector('input[name="_csrf"]').value,
      },
      body: JSON.stringify({ seen: true }),
    }).then(
      (response) => {
        if (!response.ok || !button) return;
        button.value = 'false';
        button.textContent = 'Mark unread';
      },
      () => undefined,
    );
  };
  // A prerendered or background page is not read until someone looks at it.
  if (document.visibilityState === 'visible') send();
  else
    document.addEventListener('visibilitychange', function shown() {
      if (document.visibilityState !== 'visible') return;
      document.removeEventListener('visibilitychange', shown);
      send();
    });
}
