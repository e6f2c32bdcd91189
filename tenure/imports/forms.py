from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.imports import fields as F
from tenure.imports.models import ImportJob
from tenure.lib.tabular import TableError, table_format


def max_upload_bytes() -> int:
    return getattr(settings, "TENURE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or GB18030) or Excel .xlsx; the first row holds the column names."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            table_format(upload.name or "")
        except TableError:
            raise forms.ValidationError(_("Upload a .csv, .csv.gz or .xlsx file.")) from None
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(size)s.") % {"size": filesizeformat(max_upload_bytes())}
            )
        return upload


class MappingForm(forms.Form):
    """One select per column of the file, pre-filled by the alias matching."""

    create_customers = forms.BooleanField(
        label=gettext_lazy("Create a bare customer for an unknown customer reference"), required=False
    )

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        if job.kind == F.CUSTOMERS:
            blank = [("", _("Keep as a free attribute")), (F.IGNORE, _("Ignore"))]
            del self.fields["create_customers"]
        else:
            blank = [("", _("Ignore"))]
            self.fields["create_customers"].initial = job.create_customers
        choices = blank + [(f, f) for f in F.target_fields(job.kind)]
        self.columns = []
        for i, header in enumerate(job.headers):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=job.mapping.get(header, "")
            )
            self.columns.append((header, name))

    def bound_columns(self):
        return [(header, self[name]) for header, name in self.columns]

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for header, name in self.columns:
            field = data.get(name) or ""
            if field and field != F.IGNORE:
                if field in used:
                    self.add_error(
                        name,
                        _("“%(field)s” is already read from column “%(other)s”.")
                        % {"field": field, "other": used[field]},
                    )
                used[field] = header
        missing = [f for f in F.REQUIRED[self.job.kind] if f not in used]
        if missing:
            raise forms.ValidationError(
                _("Choose a column for: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        return data

    def mapping(self) -> dict[str, str]:
        out = {}
        for header, name in self.columns:
            field = self.cleaned_data.get(name) or ""
            if field:
                out[header] = field
            elif self.job.kind != F.CUSTOMERS:
                out[header] = F.IGNORE
        return out
