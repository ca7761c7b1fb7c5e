// Copies text for the invite panel: the async Clipboard API, or select-and-copy where it is missing.
export async function copyText(text: string, input?: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (permissions, no secure context): fall back below.
  }
  const field = input ?? temporaryField(text);
  try {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    if (!input) field.remove();
  }
}

function temporaryField(text: string): HTMLInputElement {
  const field = document.createElement("input");
  field.value = text;
  field.readOnly = true;
  field.className = "visually-hidden";
  document.body.appendChild(field);
  return field;
}
