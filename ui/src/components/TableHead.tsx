// A table's column headers; an empty name is an actions column, labelled for screen readers.
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((name, i) => (
          <th scope="col" key={name || `column-${i}`}>
            {name || <span class="visually-hidden">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
