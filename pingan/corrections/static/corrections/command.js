// Command-centre map: the district boundary and last positions, no tile layer (no internet).
(function () {
  "use strict";
  function draw(el, data) {
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var boundary = L.geoJSON(data.boundary, { style: { color: "#2c3e50", weight: 2, fillOpacity: 0.05 } }).addTo(map);
    map.fitBounds(boundary.getBounds());
    var base = el.getAttribute("data-person-url");
    data.people.forEach(function (p) {
      var colour = p.alert ? "#c0392b" : (p.inside ? "#27ae60" : "#e67e22");
      var m = L.circleMarker([p.lat, p.lon], { radius: 6, color: colour, fillColor: colour, fillOpacity: 0.9,
                                               className: "person-dot" }).addTo(map);
      var a = document.createElement("a");
      a.href = base.replace("/0/", "/" + p.id + "/");
      a.textContent = p.name + " " + p.at.slice(0, 16).replace("T", " ");
      m.bindPopup(a);
    });
    el.setAttribute("data-ready", String(data.people.length));
  }
  function init() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") { return; }
    fetch(el.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { draw(el, data); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
