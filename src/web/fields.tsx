/**
 * The field for a six-digit one-time code (authenticator app, bank challenge): a digit keyboard, the
 * browser's code autofill, and digits left to right in every language. `errorId` names the message of a
 * refused code, for screen readers.
 */
export function OneTimeCodeField(props: { label: string; required?: boolean; errorId?: string }) {
  return (
    <div class="field">
      <label for="code">{props.label}</label>
      <input
        id="code"
        name="code"
        inputmode="numeric"
        autocomplete="one-time-code"
        dir="ltr"
        maxlength={6}
        required={props.required}
        {...(props.errorId ? { 'aria-invalid': true as const, 'aria-describedby': props.errorId } : {})}
      />
    </div>
  );
}

/** Why a form was refused, read out at once by screen readers; nothing when there is no message. */
export function FormError(props: { id: string; message: string | undefined }) {
  return props.message ? (
    <p class="field-error" role="alert" id={props.id}>
      {props.message}
    </p>
  ) : null;
}
