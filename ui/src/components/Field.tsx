// A labelled text input with optional help text tied to it by aria-describedby.
import type { InputHTMLAttributes } from "preact";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "onInput" | "value" | "id">;

interface FieldProps extends InputProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  help?: string;
}

export function Field({ id, label, value, onValue, help, ...input }: FieldProps) {
  return (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={id}
        value={value}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
        aria-describedby={help ? `${id}-help` : undefined}
        {...input}
      />
      {help && (
        <p id={`${id}-help`} class="help">
          {help}
        </p>
      )}
    </>
  );
}
