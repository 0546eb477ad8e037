"""Tools views: placeholder until the metrics lab and 5D self-assessment land."""
from flask import Blueprint, abort

bp = Blueprint("tools", __name__, url_prefix="/tools", template_folder="templates")


@bp.get("/metrics-lab")
def metrics_lab():
    abort(404)
