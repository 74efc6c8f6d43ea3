using System.Collections;
using System.Globalization;
using Kiln.Registry;
using Kiln.Structures;
using SkiaSharp;
using TorchSharp;

namespace Kiln.Visualization;

/// <summary>A text's background box (matplotlib's <c>bbox=dict(facecolor=..., alpha=..., pad=..., edgecolor=...)</c>); <paramref name="Pad"/> in points.</summary>
public sealed record TextBox(object? FaceColor = null, double Alpha = 1.0, double Pad = 4.0, object? EdgeColor = null);

/// <summary>
/// MMEngine's <c>Visualizer</c> (mmengine/visualization/visualizer.py), drawn with SkiaSharp instead of matplotlib:
/// the drawing API (<see cref="DrawBboxes"/>, <see cref="DrawTexts"/>, <see cref="DrawLines"/>,
/// <see cref="DrawCircles"/>, <see cref="DrawPolygons"/>, <see cref="DrawBinaryMasks"/>, <see cref="DrawPoints"/>,
/// <see cref="DrawFeatmap"/>) with MMEngine's argument names and defaults, chainable; the storage API
/// (<see cref="AddConfig"/>, <see cref="AddImage"/>, <see cref="AddScalar"/>, <see cref="AddScalars"/>,
/// <see cref="AddDatasample"/>) that calls every backend; and the global instances of MMEngine's <c>ManagerMixin</c>
/// (<see cref="GetCurrentInstance"/>, <see cref="GetInstance"/>). Sizes given in points (line widths, font sizes,
/// marker sizes) are drawn at matplotlib's default 100 dpi, as MMEngine's figure is.
/// Storage calls do nothing on ranks other than 0 (MMEngine's <c>@master_only</c>).
/// </summary>
[Register(Registries.Visualizers)]
public class Visualizer : IDisposable
{
    /// <summary>Pixels per point at matplotlib's default figure dpi (100).</summary>
    public const double PixelsPerPoint = 100.0 / 72.0;

    private static readonly object Gate = new();
    private static readonly Dictionary<string, Visualizer> Instances = new(StringComparer.Ordinal);
    private static Visualizer? s_current;

    private readonly List<(string Name, VisBackend Backend)> _backends = [];
    private SKBitmap? _bitmap;

    /// <param name="name">Instance name (MMEngine default 'visualizer'; the Runner uses the experiment name).</param>
    /// <param name="image">An RGB image to draw on.</param>
    /// <param name="visBackends">Backends (built from <c>vis_backends</c> dicts by the registry).</param>
    /// <param name="saveDir">Backends without their own <c>save_dir</c> write to <c>save_dir/vis_data</c>; with none
    /// given, a backend that needs a directory is skipped, as in MMEngine.</param>
    public Visualizer(string name = "visualizer", VisImage? image = null, IReadOnlyList<VisBackend>? visBackends = null, string? saveDir = null)
        : this(name, image, visBackends, saveDir, register: true)
    {
    }

    private Visualizer(string name, VisImage? image, IReadOnlyList<VisBackend>? visBackends, string? saveDir, bool register)
    {
        Name = name;
        string? backendDir = saveDir is null ? null : Path.Combine(saveDir, "vis_data");
        foreach (var backend in visBackends ?? [])
        {
            backend.SetDefaultSaveDir(backendDir);
            if (backend.NeedsSaveDir && backend.SaveDir is null)
            {
                SkippedBackends.Add(backend.GetType().Name);
                continue;
            }
            string typeName = backend.GetType().Name;
            if (_backends.Any(b => b.Name == typeName))
                throw new KilnException($"vis_backend name {typeName} already exists");
            _backends.Add((typeName, backend));
        }
        if (image is not null) SetImage(image);
        if (!register) return;
        lock (Gate)
        {
            Instances[name] = this;
            s_current = this;
        }
    }

    public string Name { get; }

    /// <summary>Backends dropped because they need a save directory and none was given (MMEngine warns "Failed to build ...").</summary>
    public List<string> SkippedBackends { get; } = [];

    /// <summary>The backends, by name (their type name), in config order.</summary>
    public IReadOnlyList<(string Name, VisBackend Backend)> Backends => _backends;

    /// <summary>The dataset's meta information (<c>classes</c> names the labels <see cref="AddDatasample"/> draws).</summary>
    public IReadOnlyDictionary<string, object?>? DatasetMeta { get; set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>MMEngine's <c>_default_font_size</c>: <c>max(sqrt(h * w) // 90, 10)</c>.</summary>
    public double DefaultFontSize { get; private set; } = 10;

    // ---------------------------------------------------------------- instances (ManagerMixin)

    /// <summary>
    /// The most recently created visualizer. Unlike MMEngine, where <c>get_instance</c> registers, every
    /// constructed Visualizer registers itself (a later one with a taken name replaces the earlier one; MMEngine
    /// would return the old one, mmengine issue 673).
    /// </summary>
    public static Visualizer GetCurrentInstance()
    {
        lock (Gate)
            return s_current ?? throw new KilnException("Before calling Visualizer.GetCurrentInstance(), create a Visualizer or call Visualizer.GetInstance(name) at least once.");
    }

    /// <summary>The instance named <paramref name="name"/>, created (a plain Visualizer, no backends) when there is none.</summary>
    public static Visualizer GetInstance(string name)
    {
        lock (Gate)
            if (Instances.TryGetValue(name, out var existing)) return existing;
        return new Visualizer(name);
    }

    public static bool CheckInstanceCreated(string name)
    {
        lock (Gate) return Instances.ContainsKey(name);
    }

    /// <summary>The backend named <paramref name="name"/> (its type name), or null (MMEngine's <c>get_backend</c>).</summary>
    public VisBackend? GetBackend(string name) => _backends.FirstOrDefault(b => b.Name == name).Backend;

    // ---------------------------------------------------------------- image

    /// <summary>Sets the image to draw on (a copy).</summary>
    public void SetImage(VisImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        _bitmap?.Dispose();
        _bitmap = image.ToBitmap();
        Width = image.Width;
        Height = image.Height;
        DefaultFontSize = Math.Max(Math.Floor(Math.Sqrt((double)Height * Width) / 90), 10);
    }

    /// <summary>The drawn image, RGB (MMEngine's <c>get_image</c>).</summary>
    public VisImage GetImage() => VisImage.FromBitmap(Bitmap);

    private SKBitmap Bitmap => _bitmap ?? throw new KilnException("Please set image using `SetImage` before drawing or GetImage.");

    // ---------------------------------------------------------------- drawing

    /// <summary>Single or multiple points; <paramref name="sizes"/> are marker areas in points² (matplotlib's scatter <c>s</c>, default 36).</summary>
    public Visualizer DrawPoints(VisArray positions, object? colors = null, string? marker = null, VisArray? sizes = null)
    {
        var points = positions.RowsOf(2, "positions", "(N, 2)");
        var colorList = ColorsFor(colors ?? "g", points.Length, "colors", cycle: true);
        var sizeList = sizes?.Rows.SelectMany(r => r).ToArray();
        string shape = marker ?? "o";
        if (shape is not ("o" or "s" or "."))
            throw new KilnException($"draw_points marker = '{marker}': Kiln draws 'o' (circle), 's' (square) and '.' (point).");
        using var canvas = new SKCanvas(Bitmap);
        for (int i = 0; i < points.Length; i++)
        {
            double area = sizeList is { Length: > 0 } ? sizeList[i % sizeList.Length] : 36;
            float radius = (float)(Math.Sqrt(area) / 2 * PixelsPerPoint * (shape == "." ? 0.5 : 1));
            using var paint = Paint(colorList[i], 1.0, SKPaintStyle.Fill);
            if (paint is null) continue;
            if (shape == "s") canvas.DrawRect((float)points[i][0] - radius, (float)points[i][1] - radius, 2 * radius, 2 * radius, paint);
            else canvas.DrawCircle((float)points[i][0], (float)points[i][1], radius, paint);
        }
        return this;
    }

    /// <summary>
    /// Single or multiple texts at <paramref name="positions"/> (one x, y per text). <paramref name="fontSizes"/> in
    /// points, default <see cref="DefaultFontSize"/>; alignments as matplotlib's (<c>'top'</c>, <c>'center'</c>,
    /// <c>'bottom'</c>, <c>'baseline'</c>; <c>'left'</c>, <c>'center'</c>, <c>'right'</c>); families
    /// <c>'sans-serif'</c>, <c>'serif'</c>, <c>'monospace'</c> or a font family name.
    /// </summary>
    public Visualizer DrawTexts(object texts, VisArray positions, object? fontSizes = null, object? colors = null,
        object? verticalAlignments = null, object? horizontalAlignments = null, object? fontFamilies = null, object? bboxes = null)
    {
        var textList = texts switch
        {
            string s => [s],
            IEnumerable<string> many => many.ToList(),
            _ => throw new KilnException($"`texts` should be a string or a list of strings, but got {texts?.GetType().Name ?? "None"}."),
        };
        int n = textList.Count;
        var pos = positions.RowsOf(2, "positions", $"({n}, 2)");
        if (pos.Length != n) throw new KilnException($"`positions` should have the shape of ({n}, 2), but got ({pos.Length}, 2).");
        var sizes = Numbers(fontSizes ?? DefaultFontSize, n, "font_sizes");
        var colorList = ColorsFor(colors ?? "g", n, "colors", cycle: false);
        var vAlign = Strings(verticalAlignments ?? "top", n, "vertical_alignments");
        var hAlign = Strings(horizontalAlignments ?? "left", n, "horizontal_alignments");
        var families = Strings(fontFamilies ?? "sans-serif", n, "font_families");
        var boxes = bboxes switch
        {
            null => Enumerable.Repeat<TextBox?>(null, n).ToList(),
            TextBox one => Enumerable.Repeat<TextBox?>(one, n).ToList(),
            IEnumerable<TextBox> many => many.Cast<TextBox?>().ToList(),
            _ => throw new KilnException("`bboxes` should be a TextBox or a list of TextBox."),
        };
        if (boxes.Count < n) throw new KilnException($"The length of bboxes must equal with or greater than {n}, but got {boxes.Count}.");

        using var canvas = new SKCanvas(Bitmap);
        for (int i = 0; i < n; i++)
        {
            using var typeface = Typeface(families[i]);
            using var font = new SKFont(typeface, (float)(sizes[i] * PixelsPerPoint)) { Edging = SKFontEdging.Antialias };
            float width = font.MeasureText(textList[i]);
            var metrics = font.Metrics;
            float x = (float)pos[i][0], y = (float)pos[i][1];
            float left = hAlign[i] switch
            {
                "left" => x,
                "center" => x - width / 2,
                "right" => x - width,
                var h => throw new KilnException($"horizontal_alignments = '{h}': use 'left', 'center' or 'right'."),
            };
            float baseline = vAlign[i] switch
            {
                "top" => y - metrics.Ascent,
                "bottom" => y - metrics.Descent,
                "center" or "center_baseline" => y - (metrics.Ascent + metrics.Descent) / 2,
                "baseline" => y,
                var v => throw new KilnException($"vertical_alignments = '{v}': use 'top', 'center', 'bottom' or 'baseline'."),
            };
            if (boxes[i] is { } box)
            {
                float pad = (float)(box.Pad * PixelsPerPoint);
                var rect = new SKRect(left - pad, baseline + metrics.Ascent - pad, left + width + pad, baseline + metrics.Descent + pad);
                using (var fill = Paint(box.FaceColor ?? "w", box.Alpha, SKPaintStyle.Fill)) if (fill is not null) canvas.DrawRect(rect, fill);
                using (var edge = Paint(box.EdgeColor ?? "none", box.Alpha, SKPaintStyle.Stroke)) if (edge is not null) canvas.DrawRect(rect, edge);
            }
            using var paint = Paint(colorList[i], 1.0, SKPaintStyle.Fill);
            if (paint is not null) canvas.DrawText(textList[i], left, baseline, SKTextAlign.Left, font, paint);
        }
        return this;
    }

    /// <summary>Single or multiple line segments: <paramref name="xDatas"/> and <paramref name="yDatas"/> hold each line's start and end (N×2).</summary>
    public Visualizer DrawLines(VisArray xDatas, VisArray yDatas, object? colors = null, object? lineStyles = null, object? lineWidths = null)
    {
        var xs = xDatas.RowsOf(2, "x_datas", "(N, 2)");
        var ys = yDatas.RowsOf(2, "y_datas", "(N, 2)");
        if (xs.Length != ys.Length) throw new KilnException("`x_datas` and `y_datas` should have the same shape.");
        var colorList = ColorsFor(colors ?? "g", xs.Length, "colors", cycle: true);
        var styles = Strings(lineStyles ?? "-", xs.Length, "line_styles", cycle: true);
        var widths = Numbers(lineWidths ?? 2.0, xs.Length, "line_widths", cycle: true);
        using var canvas = new SKCanvas(Bitmap);
        for (int i = 0; i < xs.Length; i++)
        {
            using var paint = Stroke(colorList[i], 1.0, widths[i], styles[i]);
            if (paint is not null) canvas.DrawLine((float)xs[i][0], (float)ys[i][0], (float)xs[i][1], (float)ys[i][1], paint);
        }
        return this;
    }

    /// <summary>Single or multiple circles (<paramref name="center"/> N×2, <paramref name="radius"/> N).</summary>
    public Visualizer DrawCircles(VisArray center, VisArray radius, object? edgeColors = null, object? lineStyles = null,
        object? lineWidths = null, object? faceColors = null, double alpha = 0.8)
    {
        var centers = center.RowsOf(2, "center", "(N, 2)");
        var radii = radius.Rows.SelectMany(r => r).ToArray();
        if (radii.Length != centers.Length)
            throw new KilnException($"The shape of `center` should be (radius.shape, 2), but got ({centers.Length}, 2) for {radii.Length} radii.");
        var edges = ColorsFor(edgeColors ?? "g", centers.Length, "edge_colors", cycle: true);
        var faces = ColorsFor(faceColors ?? "none", centers.Length, "face_colors", cycle: true);
        var styles = Strings(lineStyles ?? "-", centers.Length, "line_styles", cycle: true);
        var widths = ClippedWidths(lineWidths, centers.Length);
        using var canvas = new SKCanvas(Bitmap);
        for (int i = 0; i < centers.Length; i++)
        {
            float cx = (float)centers[i][0], cy = (float)centers[i][1], r = (float)radii[i];
            using (var fill = Paint(faces[i], alpha, SKPaintStyle.Fill)) if (fill is not null) canvas.DrawCircle(cx, cy, r, fill);
            using (var edge = Stroke(edges[i], alpha, widths[i], styles[i])) if (edge is not null) canvas.DrawCircle(cx, cy, r, edge);
        }
        return this;
    }

    /// <summary>Single or multiple boxes in (x1, y1, x2, y2) format, drawn as polygons as MMEngine does.</summary>
    public Visualizer DrawBboxes(VisArray bboxes, object? edgeColors = null, object? lineStyles = null, object? lineWidths = null,
        object? faceColors = null, double alpha = 0.8)
    {
        var boxes = bboxes.RowsOf(4, "bboxes", "(N, 4)");
        foreach (var b in boxes)
            if (b[0] > b[2] || b[1] > b[3])
                throw new KilnException($"draw_bboxes: a box must be (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2, got ({string.Join(", ", b.Select(v => v.ToString(CultureInfo.InvariantCulture)))}).");
        var polygons = boxes.Select(b => (VisArray)new double[,] { { b[0], b[1] }, { b[2], b[1] }, { b[2], b[3] }, { b[0], b[3] } }).ToList();
        return DrawPolygons(polygons, edgeColors, lineStyles, lineWidths, faceColors, alpha);
    }

    /// <summary>Single (M×2) or multiple polygons, closed.</summary>
    public Visualizer DrawPolygons(IEnumerable<VisArray> polygons, object? edgeColors = null, object? lineStyles = null,
        object? lineWidths = null, object? faceColors = null, double alpha = 0.8)
    {
        var list = polygons.Select((p, i) => p.RowsOf(2, $"polygons[{i}]", "(M, 2)")).ToList();
        var edges = ColorsFor(edgeColors ?? "g", list.Count, "edge_colors", cycle: true);
        var faces = ColorsFor(faceColors ?? "none", list.Count, "face_colors", cycle: true);
        var styles = Strings(lineStyles ?? "-", list.Count, "line_styles", cycle: true);
        var widths = ClippedWidths(lineWidths, list.Count);
        using var canvas = new SKCanvas(Bitmap);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Length == 0) continue;
            using var path = new SKPath();
            path.MoveTo((float)list[i][0][0], (float)list[i][0][1]);
            foreach (var p in list[i].Skip(1)) path.LineTo((float)p[0], (float)p[1]);
            path.Close();
            using (var fill = Paint(faces[i], alpha, SKPaintStyle.Fill)) if (fill is not null) canvas.DrawPath(path, fill);
            using (var edge = Stroke(edges[i], alpha, widths[i], styles[i])) if (edge is not null) canvas.DrawPath(path, edge);
        }
        return this;
    }

    /// <summary>One polygon (M×2).</summary>
    public Visualizer DrawPolygons(VisArray polygon, object? edgeColors = null, object? lineStyles = null,
        object? lineWidths = null, object? faceColors = null, double alpha = 0.8) =>
        DrawPolygons([polygon], edgeColors, lineStyles, lineWidths, faceColors, alpha);

    /// <summary>
    /// Single (H×W) or multiple (N×H×W) boolean masks the size of the image, blended exactly as MMEngine does with
    /// OpenCV: inside a mask, <c>round(pixel * (1 - alpha) + color * alpha)</c>; outside, unchanged. Colour names
    /// resolve through <c>color_str2rgb</c> (<c>'g'</c> is (0, 127, 0)).
    /// </summary>
    public Visualizer DrawBinaryMasks(torch.Tensor binaryMasks, object? colors = null, object? alphas = null)
    {
        ArgumentNullException.ThrowIfNull(binaryMasks);
        if (binaryMasks.dtype != torch.ScalarType.Bool)
            throw new KilnException($"The dtype of binary_masks should be bool, but got {binaryMasks.dtype}.");
        bool[] flat;
        long[] shape;
        using (var scope = torch.NewDisposeScope())
        {
            var m = binaryMasks.detach().cpu().contiguous();
            if (m.dim() == 2) m = m.unsqueeze(0);
            shape = m.shape;
            flat = m.data<bool>().ToArray();
        }
        if (shape.Length != 3 || shape[1] != Height || shape[2] != Width)
            throw new KilnException($"`binary_masks` must have the same shape as the image ({Height}, {Width}), but got ({string.Join(", ", shape)}).");
        int n = (int)shape[0];
        var colorList = VisColor.Expand(colors ?? "g", n, "colors").Select(c => VisColor.ToRgb(c, "colors")).ToList();
        var alphaList = Numbers(alphas ?? 0.8, n, "alphas");
        var image = GetImage();
        var px = image.Pixels;
        int plane = Height * Width;
        for (int k = 0; k < n; k++)
        {
            var (r, g, b) = colorList[k];
            double a = alphaList[k];
            var source = (byte[])px.Clone(); // cv2.addWeighted reads the image before this mask
            for (int p = 0; p < plane; p++)
            {
                if (!flat[k * plane + p]) continue;
                int i = p * 3;
                px[i] = Blend(source[i], r, a);
                px[i + 1] = Blend(source[i + 1], g, a);
                px[i + 2] = Blend(source[i + 2], b, a);
            }
        }
        SetImageKeepFont(image);
        return this;
    }

    /// <summary>Boolean mask overload (H×W).</summary>
    public Visualizer DrawBinaryMasks(bool[,] binaryMask, object? colors = null, object? alphas = null)
    {
        using var scope = torch.NewDisposeScope();
        int h = binaryMask.GetLength(0), w = binaryMask.GetLength(1);
        var flat = new bool[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) flat[y * w + x] = binaryMask[y, x];
        return DrawBinaryMasks(torch.tensor(flat, [h, w]), colors, alphas);
    }

    // cv2.addWeighted(img, 1 - a, rgb, a, 0) with saturate_cast (round half to even)
    private static byte Blend(byte pixel, byte color, double alpha) =>
        (byte)Math.Clamp(Math.Round(pixel * (1 - alpha) + color * alpha, MidpointRounding.ToEven), 0, 255);

    private void SetImageKeepFont(VisImage image)
    {
        _bitmap?.Dispose();
        _bitmap = image.ToBitmap();
    }

    /// <summary>
    /// MMEngine's <c>draw_featmap</c>: a C×H×W feature map as a jet heat map, optionally blended over
    /// <paramref name="overlaidImage"/> (<c>(1 - alpha) * image + alpha * heat</c>). <paramref name="channelReduction"/>
    /// <c>'squeeze_mean'</c> averages the channels, <c>'select_max'</c> takes the channel with the largest sum; with
    /// null, <paramref name="topk"/> &gt; 0 draws the top-k channels by sum in a grid of <paramref name="arrangement"/>
    /// (rows, cols) cells labelled "channel: i", and <paramref name="topk"/> &lt;= 0 needs 1 or 3 channels.
    /// <paramref name="resizeShape"/> (H, W) resizes bilinearly (align_corners=False); without it the map is resized
    /// to the overlaid image's size.
    /// </summary>
    public static VisImage DrawFeatmap(torch.Tensor featmap, VisImage? overlaidImage = null, string? channelReduction = "squeeze_mean",
        int topk = 20, (int Rows, int Cols)? arrangement = null, (int Height, int Width)? resizeShape = null, double alpha = 0.5)
    {
        ArgumentNullException.ThrowIfNull(featmap);
        if (featmap.dim() != 3) throw new KilnException($"Input dimension must be 3, but got {featmap.dim()}.");
        using var scope = torch.NewDisposeScope();
        var f = featmap.detach().cpu().to(torch.ScalarType.Float32);
        if (overlaidImage is not null && (overlaidImage.Height != f.shape[1] || overlaidImage.Width != f.shape[2]) && resizeShape is null)
            f = Resize(f, overlaidImage.Height, overlaidImage.Width);
        if (resizeShape is { } rs)
        {
            f = Resize(f, rs.Height, rs.Width);
            if (overlaidImage is not null) overlaidImage = ResizeImage(overlaidImage, rs.Height, rs.Width);
        }

        if (channelReduction is not null)
        {
            var map = channelReduction switch
            {
                "select_max" => f[f.sum([1, 2]).argmax()],
                "squeeze_mean" => f.mean([0]),
                _ => throw new KilnException($"Mode only support \"squeeze_mean\", \"select_max\", but got {channelReduction}."),
            };
            return ConvertOverlayHeatmap(map, overlaidImage, alpha);
        }
        if (topk <= 0)
        {
            if (f.shape[0] is not (1 or 3))
                throw new KilnException($"The input tensor channel dimension must be 1 or 3 when topk is less than 1, but the channel dimension you input is {f.shape[0]}, you can use the channel_reduction parameter or set topk greater than 0 to solve the error.");
            return ConvertOverlayHeatmap(f.shape[0] == 1 ? f[0] : f, overlaidImage, alpha);
        }
        var (rows, cols) = arrangement ?? (4, 5);
        if (rows * cols < topk)
            throw new KilnException($"The product of row and col in the `arrangement` ({rows}, {cols}) is less than topk ({topk}), please set the `arrangement` correctly.");
        int channels = (int)f.shape[0], height = (int)f.shape[1], width = (int)f.shape[2];
        int k = Math.Min(channels, topk);
        var indices = f.sum([1, 2]).topk(k).indexes.data<long>().ToArray();
        var grid = VisImage.Filled(height * rows, width * cols, (255, 255, 255));
        using var cellVis = new Visualizer("featmap", null, null, null, register: false);
        for (int i = 0; i < k; i++)
        {
            var cell = ConvertOverlayHeatmap(f[indices[i]], overlaidImage, alpha);
            cellVis.SetImage(cell);
            cellVis.DrawTexts($"channel: {indices[i]}", new double[] { 2, 15 }, fontSizes: 10.0, colors: "k", verticalAlignments: "baseline");
            var drawn = cellVis.GetImage();
            int top = i / cols * height, left = i % cols * width;
            for (int y = 0; y < height; y++)
                Array.Copy(drawn.Pixels, y * width * 3, grid.Pixels, ((top + y) * grid.Width + left) * 3, width * 3);
        }
        return grid;
    }

    /// <summary>
    /// MMEngine's <c>convert_overlay_heatmap</c>: min-max normalise to 0..255 (truncated to uint8, as
    /// <c>cv2.normalize</c> then <c>np.uint8</c>), apply the jet colour map, blend over the image when given.
    /// </summary>
    public static VisImage ConvertOverlayHeatmap(torch.Tensor featMap, VisImage? image = null, double alpha = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        var f = featMap.detach().cpu().to(torch.ScalarType.Float32);
        if (f.dim() == 3 && f.shape[0] == 1) f = f[0];
        if (!(f.dim() == 2 || (f.dim() == 3 && f.shape[0] == 3)))
            throw new KilnException($"a heat map needs H×W or 3×H×W values, got shape [{string.Join(", ", f.shape)}].");
        if (f.dim() == 3) f = f.permute(1, 2, 0);
        int h = (int)f.shape[0], w = (int)f.shape[1];
        var values = f.contiguous().data<float>().ToArray();
        float min = values.Min(), max = values.Max();
        double scale = max - min > double.Epsilon ? 255.0 / (max - min) : 0;
        var heat = new VisImage(h, w);
        int channels = f.dim() == 3 ? 3 : 1;
        for (int p = 0; p < h * w; p++)
        {
            if (channels == 1)
            {
                var (r, g, b) = Jet((byte)(int)((values[p] - min) * scale));
                heat.Pixels[p * 3] = r;
                heat.Pixels[p * 3 + 1] = g;
                heat.Pixels[p * 3 + 2] = b;
            }
            else
            {
                // a 3-channel map: each channel's byte through the colour map (cv2.applyColorMap on BGR input), then BGR→RGB
                var bgr = new byte[3];
                for (int c = 0; c < 3; c++)
                {
                    byte v = (byte)(int)((values[p * 3 + c] - min) * scale);
                    var (jr, jg, jb) = Jet(v);
                    bgr[c] = c switch { 0 => jb, 1 => jg, _ => jr };
                }
                heat.Pixels[p * 3] = bgr[2];
                heat.Pixels[p * 3 + 1] = bgr[1];
                heat.Pixels[p * 3 + 2] = bgr[0];
            }
        }
        if (image is null) return heat;
        if (image.Height != h || image.Width != w)
            throw new KilnException($"the overlaid image is {image.Height}×{image.Width} but the heat map is {h}×{w}.");
        for (int i = 0; i < heat.Pixels.Length; i++)
            heat.Pixels[i] = Blend(image.Pixels[i], heat.Pixels[i], alpha);
        return heat;
    }

    /// <summary>The jet colour map (MATLAB's, as OpenCV's <c>COLORMAP_JET</c>): piecewise linear in <c>v / 255</c>.</summary>
    public static (byte R, byte G, byte B) Jet(byte value)
    {
        double v = value / 255.0;
        static byte C(double x) => (byte)Math.Round(Math.Clamp(x, 0, 1) * 255, MidpointRounding.ToEven);
        return (C(1.5 - Math.Abs(4 * v - 3)), C(1.5 - Math.Abs(4 * v - 2)), C(1.5 - Math.Abs(4 * v - 1)));
    }

    private static torch.Tensor Resize(torch.Tensor chw, int height, int width) =>
        torch.nn.functional.interpolate(chw.unsqueeze(0), [height, width], mode: torch.InterpolationMode.Bilinear, align_corners: false)[0];

    private static VisImage ResizeImage(VisImage image, int height, int width)
    {
        using var source = image.ToBitmap();
        using var resized = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear));
        return VisImage.FromBitmap(resized);
    }

    // ---------------------------------------------------------------- storage

    /// <summary>Records the config text in every backend.</summary>
    public void AddConfig(string configText)
    {
        if (!Distributed.Dist.IsMainProcess) return;
        foreach (var (_, b) in _backends) b.AddConfig(configText);
    }

    /// <summary>Records an RGB image in every backend.</summary>
    public void AddImage(string name, VisImage image, int step = 0)
    {
        if (!Distributed.Dist.IsMainProcess) return;
        foreach (var (_, b) in _backends) b.AddImage(name, image, step);
    }

    public void AddScalar(string name, double value, int step = 0)
    {
        if (!Distributed.Dist.IsMainProcess) return;
        foreach (var (_, b) in _backends) b.AddScalar(name, value, step);
    }

    /// <summary>Records scalars in every backend; <paramref name="filePath"/> also receives them where a backend writes files.</summary>
    public void AddScalars(IReadOnlyDictionary<string, object> scalars, int step = 0, string? filePath = null)
    {
        if (!Distributed.Dist.IsMainProcess) return;
        foreach (var (_, b) in _backends) b.AddScalars(scalars, step, filePath);
    }

    /// <summary>
    /// Draws a data sample and records it. MMEngine's base class does nothing here and leaves it to downstream
    /// visualizers; Kiln's base draws what its <see cref="DataSample"/> carries for classification, as mmpretrain's
    /// visualizer does: "Ground truth: label (class)" and "Prediction: label (class), score" in the top-left corner.
    /// The image is first scaled by <paramref name="rescaleFactor"/> (nearest) when given. With
    /// <paramref name="outFile"/> the drawing goes to that PNG file, otherwise to the backends as
    /// <c>add_image(name, image, step)</c>. Subclasses (a plugin's detection or segmentation visualizer) override it.
    /// </summary>
    public virtual VisImage AddDatasample(string name, VisImage image, DataSample? dataSample = null, bool drawGt = true,
        bool drawPred = true, bool show = false, double waitTime = 0, int step = 0, double? rescaleFactor = null, string? outFile = null)
    {
        if (show) throw new KilnException("Visualizer.add_datasample show=True needs a display, which Kiln does not open; the drawing is saved through the backends or out_file instead.");
        var source = rescaleFactor is { } factor && factor != 1 ? Rescale(image, factor) : image;
        SetImage(source);
        var lines = new List<string>();
        if (dataSample is not null)
        {
            if (drawGt && dataSample.GtLabel is { } gt) lines.Add($"Ground truth: {LabelText(gt)}");
            if (drawPred && dataSample.PredLabel is { } pred)
            {
                var scores = dataSample.PredScore;
                string score = scores is not null && pred >= 0 && pred < scores.Length
                    ? ", " + scores[pred].ToString("0.00", CultureInfo.InvariantCulture) : "";
                lines.Add($"Prediction: {LabelText(pred)}{score}");
            }
        }
        double size = DefaultFontSize;
        for (int i = 0; i < lines.Count; i++)
            DrawTexts(lines[i], new double[] { 5, 5 + i * (size * PixelsPerPoint * 1.5) }, fontSizes: size, colors: "w",
                bboxes: new TextBox(FaceColor: "k", Alpha: 0.6, Pad: 1));
        var drawn = GetImage();
        if (!Distributed.Dist.IsMainProcess) return drawn;
        if (outFile is not null) drawn.SavePng(outFile);
        else AddImage(name, drawn, step);
        return drawn;
    }

    private string LabelText(long label)
    {
        if (DatasetMeta?.GetValueOrDefault("classes") is IList classes && label >= 0 && label < classes.Count)
            return $"{label} ({classes[(int)label]})";
        return label.ToString(CultureInfo.InvariantCulture);
    }

    private static VisImage Rescale(VisImage image, double factor)
    {
        if (factor <= 0) throw new KilnException($"rescale_factor = {factor.ToString(CultureInfo.InvariantCulture)} must be positive.");
        int h = Math.Max(1, (int)Math.Round(image.Height * factor)), w = Math.Max(1, (int)Math.Round(image.Width * factor));
        var result = new VisImage(h, w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                result[x, y] = image[Math.Min(image.Width - 1, (int)(x / factor)), Math.Min(image.Height - 1, (int)(y / factor))];
        return result;
    }

    /// <summary>Closes every backend.</summary>
    public void Close()
    {
        foreach (var (_, b) in _backends) b.Close();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        Close();
        _bitmap?.Dispose();
        _bitmap = null;
    }

    // ---------------------------------------------------------------- helpers

    private List<double> ClippedWidths(object? lineWidths, int n) =>
        Numbers(lineWidths ?? 2.0, n, "line_widths", cycle: true).Select(w => Math.Min(Math.Max(w, 1), DefaultFontSize / 4)).ToList();

    private static List<object?> ColorsFor(object colors, int n, string argument, bool cycle)
    {
        if (colors is string || IsRgb(colors)) return Enumerable.Repeat<object?>(colors, n).ToList();
        if (colors is IEnumerable list)
        {
            var items = list.Cast<object?>().ToList();
            if (items.Count == 0) throw new KilnException($"{argument} is an empty list.");
            if (!cycle && items.Count < n) throw new KilnException($"The length of {argument} must equal with or greater than {n}, but got {items.Count}.");
            return Enumerable.Range(0, n).Select(i => items[i % items.Count]).ToList();
        }
        return Enumerable.Repeat<object?>(colors, n).ToList();
    }

    private static bool IsRgb(object value) => value is System.Runtime.CompilerServices.ITuple
        || (value is IList l && l.Count == 3 && l.Cast<object?>().All(v => v is int or long or double or float or byte));

    private static List<double> Numbers(object value, int n, string argument, bool cycle = false)
    {
        if (value is IEnumerable list and not string)
        {
            var items = list.Cast<object?>().Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToList();
            if (items.Count == 0) throw new KilnException($"{argument} is an empty list.");
            if (!cycle && items.Count < n) throw new KilnException($"The length of {argument} must equal with or greater than {n}, but got {items.Count}.");
            return Enumerable.Range(0, n).Select(i => items[i % items.Count]).ToList();
        }
        double one = value switch
        {
            double d => d, float f => f, int i => i, long l => l,
            _ => throw new KilnException($"{argument} should be a number or a list of numbers, but got {value.GetType().Name}."),
        };
        return Enumerable.Repeat(one, n).ToList();
    }

    private static List<string> Strings(object value, int n, string argument, bool cycle = false)
    {
        if (value is string s) return Enumerable.Repeat(s, n).ToList();
        if (value is IEnumerable<string> list)
        {
            var items = list.ToList();
            if (items.Count == 0) throw new KilnException($"{argument} is an empty list.");
            if (!cycle && items.Count < n) throw new KilnException($"The length of {argument} must equal with or greater than {n}, but got {items.Count}.");
            return Enumerable.Range(0, n).Select(i => items[i % items.Count]).ToList();
        }
        throw new KilnException($"{argument} should be a string or a list of strings, but got {value.GetType().Name}.");
    }

    private static SKPaint? Paint(object? color, double alpha, SKPaintStyle style)
    {
        var f = VisColor.ToFractions(color, "color");
        if (f is null) return null;
        return new SKPaint
        {
            IsAntialias = true,
            Style = style,
            Color = new SKColor(ToByte(f.Value.R), ToByte(f.Value.G), ToByte(f.Value.B), ToByte(alpha)),
        };
    }

    private static SKPaint? Stroke(object? color, double alpha, double widthPoints, string lineStyle)
    {
        var paint = Paint(color, alpha, SKPaintStyle.Stroke);
        if (paint is null) return null;
        float w = (float)(widthPoints * PixelsPerPoint);
        paint.StrokeWidth = w;
        // matplotlib's dash patterns (lines.dashed_pattern etc.), scaled by the line width
        float[]? dashes = lineStyle switch
        {
            "-" or "solid" => null,
            "--" or "dashed" => [3.7f * w, 1.6f * w],
            ":" or "dotted" => [1f * w, 1.65f * w],
            "-." or "dashdot" => [6.4f * w, 1.6f * w, 1f * w, 1.6f * w],
            _ => throw new KilnException($"line_styles = '{lineStyle}': use '-', '--', ':' or '-.'."),
        };
        if (dashes is not null) paint.PathEffect = SKPathEffect.CreateDash(dashes, 0);
        return paint;
    }

    private static byte ToByte(double fraction) => (byte)Math.Round(Math.Clamp(fraction, 0, 1) * 255, MidpointRounding.ToEven);

    private static SKTypeface Typeface(string family)
    {
        string name = family switch
        {
            "sans-serif" or "sans" => "DejaVu Sans",
            "serif" => "DejaVu Serif",
            "monospace" => "DejaVu Sans Mono",
            _ => family,
        };
        return SKTypeface.FromFamilyName(name) ?? SKTypeface.Default;
    }
}
